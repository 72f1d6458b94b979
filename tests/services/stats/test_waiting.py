"""Why a campaign is not moving, in words, with its counts and an ETA: quiet hours, no worker,
the rate limit, provider errors being retried, a pause with its reason; and the overview's word."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaign_dashboard.config import Settings
from campaign_dashboard.models import (
    CampaignStatus,
    EmailCampaignRecipient,
    RecipientStatus,
    SmsCampaignRecipient,
)
from campaign_dashboard.services.operations import workers
from campaign_dashboard.services.sending.throttle import QUIET_HOURS_NOTE
from campaign_dashboard.services.stats import waiting
from tests.factories import make_email_campaign, make_sms_campaign

NOW = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
MORNING = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SENDING = CampaignStatus.SENDING.value


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, resend_requests_per_second=5, twilio_mps_per_sender=1)


@pytest.fixture
def worker(session):
    workers.beat(session, worker_id="w1", hostname="h", pid=1, started_at=NOW, now=NOW - timedelta(seconds=2))


def add_rows(session, model, campaign, n: int, **fields) -> None:
    start = session.info.setdefault("row_seq", 0)
    session.info["row_seq"] = start + n
    for i in range(start, start + n):
        session.add(model(campaign_id=campaign.id, address=f"r{i}@example.com", **fields))
    campaign.recipients += n
    session.add(campaign)
    session.commit()


def deferred(session, campaign, n: int, until: datetime) -> None:
    """Rows as the send path leaves them when their quiet hours began (throttle.defer)."""
    add_rows(
        session,
        SmsCampaignRecipient,
        campaign,
        n,
        not_before=until,
        attempts=1,
        last_error=f"{QUIET_HOURS_NOTE}{until.isoformat()}",
    )


def read(session, settings, campaign, channel: str = "sms") -> waiting.Progress:
    found = waiting.progress(session=session, settings=settings, channel=channel, campaign_id=campaign.id, now=NOW)
    assert found is not None
    return found


def test_sms_waiting_for_quiet_hours_counts_them_names_the_window_and_adds_the_wait_to_the_eta(
    session, settings, worker
):
    campaign = make_sms_campaign(session, status=SENDING)
    deferred(session, campaign, 3, MORNING)
    deferred(session, campaign, 2, MORNING + timedelta(hours=5))
    add_rows(session, SmsCampaignRecipient, campaign, 1, status=RecipientStatus.SENT.value)
    campaign.processed = 1
    session.add(campaign)
    session.commit()

    progress = read(session, settings, campaign)

    assert (progress.remaining, progress.ready, progress.waiting_quiet_hours, progress.retrying) == (5, 0, 5, 0)
    assert progress.next_window == MORNING
    [reason] = progress.reasons
    assert reason.kind == "quiet_hours" and reason.word == "quiet hours"
    assert reason.message.startswith("5 recipients are waiting for their quiet hours to end")
    assert "between 08:00 and 21:00" in reason.message
    assert reason.at == MORNING
    assert reason.sentence.endswith("Next window opens 2026-11-30 08:00 UTC.")
    # 3 at 08:00 take 3 s at one a second; the other 2 wait for 13:00, then 2 s.
    assert progress.eta == MORNING + timedelta(hours=5, seconds=2)


def test_a_campaign_with_no_worker_says_so_with_when_one_was_last_seen(session, settings):
    seen = NOW - timedelta(hours=2)
    workers.beat(session, worker_id="gone", hostname="h", pid=1, started_at=seen, now=seen)
    campaign = make_email_campaign(session, status=SENDING)
    add_rows(session, EmailCampaignRecipient, campaign, 4)

    progress = read(session, settings, campaign, "email")

    assert progress.ready == 4
    assert progress.reasons[0].kind == "no_worker"
    assert progress.reasons[0].message.startswith("No worker is running, so nothing is sent.")
    assert progress.reasons[0].at == seen and progress.reasons[0].at_label == "Last worker seen"
    assert progress.eta is None  # nothing moves until a worker starts: no time to promise
    word = waiting.reason_word(session=session, settings=settings, channel="email", campaign=campaign, workers=0)
    assert word == "no worker"


def test_a_scheduled_campaign_with_no_worker_ever_seen_is_waiting_for_one(session, settings):
    campaign = make_sms_campaign(session, status=CampaignStatus.SCHEDULED.value)
    [reason] = read(session, settings, campaign).reasons
    assert reason.kind == "no_worker" and reason.at is None and reason.sentence == reason.message


def test_more_ready_work_than_the_rate_sends_in_a_minute_is_rate_limited_with_an_eta(session, settings, worker):
    sms = make_sms_campaign(session, status=SENDING)
    add_rows(session, SmsCampaignRecipient, sms, 120)
    add_rows(session, SmsCampaignRecipient, sms, 3, status=RecipientStatus.CLAIMED.value, attempts=1)

    progress = read(session, settings, sms)

    assert (progress.ready, progress.in_flight, progress.rate_per_second) == (120, 3, 1.0)
    [reason] = progress.reasons
    assert reason.kind == "rate_limited"
    assert reason.message == (
        "Rate limited: Twilio takes 1 message a second per sender (TWILIO_MPS_PER_SENDER), "
        "so the 123 recipients ready now take about 2 minutes."
    )
    assert progress.eta == NOW + timedelta(seconds=123)

    # Email: 5 requests a second of 100 emails each, so 120 recipients take well under a minute.
    email = make_email_campaign(session, status=SENDING)
    add_rows(session, EmailCampaignRecipient, email, 120)
    progress = read(session, settings, email, "email")
    assert progress.rate_per_second == 500 and progress.reasons == []
    assert progress.eta == NOW + timedelta(seconds=120 / 500)


def test_provider_errors_being_retried_are_counted_with_the_last_error(session, settings, worker):
    campaign = make_email_campaign(session, status=SENDING)
    add_rows(session, EmailCampaignRecipient, campaign, 2)
    add_rows(
        session,
        EmailCampaignRecipient,
        campaign,
        3,
        status=RecipientStatus.CLAIMED.value,
        attempts=2,
        last_error="Resend is unavailable (HTTP 503)",
    )

    progress = read(session, settings, campaign, "email")

    assert (progress.ready, progress.in_flight, progress.retrying) == (2, 3, 3)
    [reason] = progress.reasons
    assert reason.kind == "provider_errors"
    assert reason.message == (
        "The provider answered with an error; 3 recipients are being retried with backoff. "
        "Last error: Resend is unavailable (HTTP 503)"
    )
    assert progress.eta == NOW + timedelta(seconds=5 / 500)
    word = waiting.reason_word(session=session, settings=settings, channel="email", campaign=campaign, workers=1)
    assert word == "provider errors"


def test_a_campaign_paused_by_the_system_shows_its_reason_and_no_eta(session, settings, worker):
    why = "Resend's daily sending quota is used up; resume tomorrow or raise the quota."
    campaign = make_email_campaign(session, status=CampaignStatus.PAUSED.value, status_reason=why)
    add_rows(session, EmailCampaignRecipient, campaign, 2, attempts=1, last_error="daily quota")

    progress = read(session, settings, campaign, "email")

    assert [(r.kind, r.message) for r in progress.reasons] == [("paused", f"Paused: {why}")]
    assert progress.remaining == 2 and progress.eta is None


def test_a_finished_campaign_has_nothing_waiting_and_an_unknown_one_is_none(session, settings):
    campaign = make_sms_campaign(session, status=CampaignStatus.SENT.value)
    add_rows(session, SmsCampaignRecipient, campaign, 2, status=RecipientStatus.DELIVERED.value)
    progress = read(session, settings, campaign)
    assert (progress.remaining, progress.reasons, progress.eta) == (0, [], None)
    assert waiting.progress(session=session, settings=settings, channel="sms", campaign_id=999_999) is None


def test_the_overview_word_is_quiet_hours_only_while_nothing_else_can_go(session, settings, worker):
    campaign = make_sms_campaign(session, status=SENDING)
    deferred(session, campaign, 2, MORNING)

    def word() -> str:
        return waiting.reason_word(
            session=session, settings=settings, channel="sms", campaign=campaign, workers=1, now=NOW
        )

    assert word() == "quiet hours"
    add_rows(session, SmsCampaignRecipient, campaign, 1)  # one can go now: it is moving
    assert word() == ""
    assert (
        waiting.reason_word(
            session=session, settings=settings, channel="sms", campaign=campaign, workers=1, now=MORNING
        )
        == ""
    )  # the window opened


def test_an_ab_tests_remainder_waits_for_the_winner_and_the_eta_counts_the_wait(session, settings, worker):
    from campaign_dashboard.models import AbTest
    from campaign_dashboard.models.ab_tests import REMAINDER

    campaign = make_email_campaign(session, status=SENDING, started_at=NOW - timedelta(hours=1))
    add_rows(session, EmailCampaignRecipient, campaign, 20, status=RecipientStatus.SENT.value, ab_group=0)
    add_rows(session, EmailCampaignRecipient, campaign, 80, ab_group=REMAINDER)
    campaign.processed = 20
    test = AbTest(
        channel="email", campaign_id=campaign.id, variants=[{}, {}], metric="open_rate", wait_minutes=240, remainder=80
    )
    session.add_all([campaign, test])
    session.commit()

    progress = read(session, settings, campaign, "email")

    assert (progress.remaining, progress.ready) == (80, 0)
    [reason] = progress.reasons
    assert reason.kind == "ab_test" and reason.word == "A/B test"
    assert reason.message.startswith(
        "80 recipients are waiting for the A/B test's winner: the variant with the best open rate"
    )
    winner_at = NOW + timedelta(hours=3)
    assert reason.at == winner_at and reason.sentence.endswith("The wait ends 2026-11-30 02:00 UTC.")
    assert progress.eta == winner_at + timedelta(seconds=80 / 500)  # then 80 emails at 500 a second
    word = waiting.reason_word(session=session, settings=settings, channel="email", campaign=campaign, workers=1)
    assert word == "A/B test"

    test.decided_at, test.winner = NOW, 0
    session.add(test)
    session.commit()
    decided = read(session, settings, campaign, "email")
    assert (decided.ready, decided.reasons) == (80, [])
