"""A real worker makes the system ready; killing it is noticed within the heartbeat timeout."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from campaign_dashboard.api import create_api
from campaign_dashboard.config import get_settings


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
