"""A worker's heartbeat tells the dashboard and /api/ready whether campaigns can move at all."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from campaign_dashboard.models import CampaignStatus, WorkerHeartbeat, utcnow
from campaign_dashboard.services.operations import workers
from tests.factories import make_email_campaign, make_sms_campaign

TIMEOUT = timedelta(seconds=30)


def _beat(session, worker_id: str, age: timedelta) -> None:
    now = utcnow()
    workers.beat(session, worker_id=worker_id, hostname="host", pid=1, started_at=now - age, now=now - age)


def test_a_sending_campaign_with_no_worker_ever_seen_is_reported(session):
    make_email_campaign(session, status=CampaignStatus.SENDING.value)
    make_sms_campaign(session, status=CampaignStatus.SCHEDULED.value)
    warning = workers.missing_worker(session, timeout=TIMEOUT)
    assert warning is not None
    assert warning.waiting_campaigns == 2
    assert warning.last_seen is None


def test_a_worker_seen_within_the_timeout_clears_the_warning(session):
    make_email_campaign(session, status=CampaignStatus.SENDING.value)
    _beat(session, "a", timedelta(seconds=5))
    assert workers.missing_worker(session, timeout=TIMEOUT) is None
    assert workers.live_workers(session, timeout=TIMEOUT) == 1


def test_a_worker_silent_for_longer_than_the_timeout_counts_as_gone(session):
    make_email_campaign(session, status=CampaignStatus.SENDING.value)
    _beat(session, "a", timedelta(seconds=31))
    warning = workers.missing_worker(session, timeout=TIMEOUT)
    assert warning is not None and warning.last_seen is not None
    assert utcnow() - warning.last_seen >= timedelta(seconds=31)


def test_no_warning_when_nothing_waits_for_a_worker(session):
    make_email_campaign(session, status=CampaignStatus.SENT.value)
    make_email_campaign(session, status=CampaignStatus.DRAFT.value)
    assert workers.missing_worker(session, timeout=TIMEOUT) is None


def test_each_worker_keeps_one_row_and_long_gone_workers_are_forgotten(session):
    _beat(session, "old", timedelta(days=2))
    _beat(session, "a", timedelta(seconds=10))
    _beat(session, "a", timedelta(seconds=1))
    _beat(session, "b", timedelta(seconds=1))
    ids = sorted(session.exec(select(WorkerHeartbeat.worker_id)).all())
    assert ids == ["a", "b"]
    assert workers.live_workers(session, timeout=TIMEOUT) == 2
