"""`/metrics` gives Prometheus the whole system's numbers, read from the database, to admins and
to a scrape job holding the secret; nobody else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import CampaignStatus, DeadLetterEvent, utcnow
from campaign_dashboard.services.operations import workers
from tests.factories import make_email_campaign, make_sms_campaign


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Parsed with prometheus_client's own parser: what Prometheus would read."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_admin_reads_campaign_totals_statuses_dead_letters_and_workers(client, db, admin_token):
    with db() as session:
        make_email_campaign(session, status=CampaignStatus.SENT.value, sent=120, delivered=100, failed=3)
        make_email_campaign(session, status=CampaignStatus.SENDING.value, sent=30, delivered=10)
        make_sms_campaign(session, status=CampaignStatus.SENT.value, sent=7, failed=2)
        session.add(
            DeadLetterEvent(
                provider="resend", provider_event_id="evt-1", type="email.opened", reason="unknown message", payload={}
            )
        )
        now = utcnow()
        workers.beat(session, worker_id="w", hostname="h", pid=1, started_at=now, now=now)
        workers.beat(session, worker_id="old", hostname="h", pid=2, started_at=now, now=now - timedelta(minutes=5))
    response = client.get("/metrics", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    got = samples(response.text)
    assert got[("campaign_messages_total", (("channel", "email"), ("counter", "sent")))] == 150
    assert got[("campaign_messages_total", (("channel", "email"), ("counter", "delivered")))] == 110
    assert got[("campaign_messages_total", (("channel", "sms"), ("counter", "failed")))] == 2
    assert got[("campaign_campaigns", (("channel", "email"), ("status", "sending")))] == 1
    assert got[("campaign_dead_letters", (("provider", "resend"),))] == 1
    assert got[("campaign_dead_letters", (("provider", "twilio"),))] == 0
    assert got[("campaign_live_workers", ())] == 1


def test_a_scrape_job_uses_the_shared_secret(client, monkeypatch):
    monkeypatch.setenv("METRICS_SCRAPE_SECRET", "scrape-secret-0123456789abcdef")
    get_settings.cache_clear()
    ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-0123456789abcdef"})
    wrong = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-0123456789abcdeX"})
    assert ok.status_code == 200
    assert wrong.status_code == 401


@pytest.mark.parametrize("who", ["nobody", "viewer", "marketer"])
def test_everyone_else_is_refused(client, who, request):
    headers = {} if who == "nobody" else {"Authorization": f"Bearer {request.getfixturevalue(f'{who}_token')}"}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == (401 if who == "nobody" else 403)
    assert "campaign_messages" not in response.text
