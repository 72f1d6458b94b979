"""What an operator sees of real workers: readiness follows them, and each exports its metrics."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session

from campaign_dashboard.api import create_api
from campaign_dashboard.config import get_settings
from campaign_dashboard.devtools.bench.processes import free_port
from campaign_dashboard.models import Channel, Contact, EmailCampaign, Segment
from campaign_dashboard.services import campaigns
from campaign_dashboard.tasks.sending import kick
from tests.helpers.sending import wait_for_status

pytestmark = pytest.mark.xdist_group("sending")


def _wait_ready_status(client: TestClient, expected: int, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        response = client.get("/api/ready")
        body = response.json()
        if response.status_code == expected:
            return body
        time.sleep(0.3)
    pytest.fail(f"/api/ready did not answer {expected} within {timeout} s; last: {body}")


def test_ready_follows_a_real_worker_starting_and_dying(engine, app_env, workers, monkeypatch):
    monkeypatch.setenv("WORKER_HEARTBEAT_TIMEOUT_SECONDS", "3")
    workers.env["WORKER_HEARTBEAT_TIMEOUT_SECONDS"] = "3"
    get_settings.cache_clear()
    with TestClient(create_api()) as client:
        assert client.get("/api/ready").status_code == 503  # nothing has beaten yet
        workers.start(threads=1)
        body = _wait_ready_status(client, 200, timeout=60)
        assert body["checks"]["worker"]["ok"] is True
        workers.kill_all()  # SIGKILL: no goodbye, only silence
        body = _wait_ready_status(client, 503, timeout=15)
        assert "campaign-dashboard worker" in body["checks"]["worker"]["detail"]


def _worker_metrics(port: int) -> dict[tuple[str, tuple], float]:
    """The worker's /metrics, parsed by prometheus_client's own parser."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_a_worker_exports_its_metrics_and_logs_json_lines_with_campaign_and_batch(engine, app_env, workers):
    port = free_port()
    workers.env["METRICS_PORT"] = str(port)
    workers.env["LOG_FORMAT"] = "json"
    with Session(engine) as session:
        for i in range(150):
            session.add(Contact(email=f"m{i}@example.com", first_name=f"N{i}"))
        segment = Segment(name="everyone", kind="rules", rules=[], match="all")
        session.add(segment)
        session.commit()
        campaign = EmailCampaign(
            name="Metrics",
            subject="Hi",
            from_email="news@example.com",
            segment_id=segment.id,
            html="<p>Hello {{ first_name }}</p>",
        )
        session.add(campaign)
        session.commit()
        campaign_id = campaign.id
        campaigns.apply_action(session=session, channel=Channel.EMAIL, campaign_id=campaign_id, action="start")
    workers.start(threads=1)
    kick(Channel.EMAIL.value, campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}) == "sent"
    samples = _worker_metrics(port)
    accepted = samples[("campaign_worker_messages_total", (("channel", "email"), ("result", "accepted")))]
    assert accepted == 150
    ok_requests = samples[("campaign_provider_requests_total", (("outcome", "ok"), ("provider", "resend")))]
    assert ok_requests >= 2  # 150 emails are at least two batch calls of at most 100
    assert samples[("campaign_provider_request_seconds_count", (("provider", "resend"),))] >= ok_requests
    assert ("campaign_queue_depth", ()) in samples
    # LOG_FORMAT=json: every line is one JSON object; the batch lines name the campaign and batch
    lines = (Path(workers.env["DATA_DIR"]) / "worker-1.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    batches = [r for r in records if r.get("campaign_id") == campaign_id and r.get("batch_id")]
    assert batches and all(r["level"] and r["time"] for r in batches)
