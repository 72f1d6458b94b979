"""Campaigns really go out: real worker processes, the emulator, the real resend/twilio SDKs.
Every test ends by checking the provider's own count: exactly one message per recipient."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import (
    Channel,
    Contact,
    EmailCampaign,
    EmailStatus,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsStatus,
    Suppression,
    utcnow,
)
from campaign_dashboard.services import campaigns
from tests.helpers.processes import configure_emulator, emulator_stats
from tests.helpers.sending import (
    add_contacts,
    assert_exactly_once,
    ledger,
    make_campaign,
    start,
    wait_accepted,
    wait_for_status,
)

pytestmark = pytest.mark.xdist_group("sending")


def test_email_campaign_of_5000_goes_out_exactly_once(app_env, emulator, workers, engine):
    add_contacts(engine, 5000)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}) == "sent"
    assert_exactly_once(emulator, engine, Channel.EMAIL, campaign_id, 5000)


def test_sms_campaign_of_1000_goes_out_exactly_once(app_env, emulator, workers, engine):
    add_contacts(engine, 1000)
    campaign_id = make_campaign(engine, Channel.SMS)
    workers.start(1)
    start(engine, Channel.SMS, campaign_id)
    assert wait_for_status(engine, SmsCampaign, campaign_id, {"sent", "failed"}) == "sent"
    assert_exactly_once(emulator, engine, Channel.SMS, campaign_id, 1000)


def test_personalisation_unsubscribe_headers_and_tags_per_recipient(app_env, emulator, workers, engine):
    add_contacts(engine, 3)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)
    wait_for_status(engine, EmailCampaign, campaign_id, {"sent"})
    messages = httpx.get(f"{emulator}/_emulator/messages", params={"to": "c1@example.com"}).json()
    message = messages[0] if isinstance(messages, list) else messages["items"][0]
    text = str(message)
    assert "Hi Name1" in text and "Hello Name1, 20% off" in text
    assert "List-Unsubscribe-Post" in text and "/unsubscribe/" in text
    assert "campaign_id" in text and "recipient_id" in text


def test_pause_stops_sending_and_resume_finishes_without_gap_or_duplicate(app_env, emulator, workers, engine):
    configure_emulator(emulator, latency_ms=150)
    add_contacts(engine, 3000)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)
    wait_accepted(emulator, 300)
    with Session(engine) as session:
        campaigns.apply_action(session=session, channel=Channel.EMAIL, campaign_id=campaign_id, action="pause")
    time.sleep(1.5)  # one in-flight chunk may still land
    at_pause = emulator_stats(emulator)["accepted"]
    time.sleep(3)
    assert emulator_stats(emulator)["accepted"] == at_pause, "nothing more is sent while paused"
    assert 0 < at_pause < 3000
    counts = ledger(engine, Channel.EMAIL, campaign_id)
    assert counts.get("claimed", 0) == 0 and counts["sent"] == at_pause
    configure_emulator(emulator, latency_ms=0)
    with Session(engine) as session:
        campaigns.apply_action(session=session, channel=Channel.EMAIL, campaign_id=campaign_id, action="resume")
    from campaign_dashboard.tasks.sending import kick

    kick("email", campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent"}) == "sent"
    assert_exactly_once(emulator, engine, Channel.EMAIL, campaign_id, 3000)


def test_cancel_stops_and_marks_the_rest_cancelled(app_env, emulator, workers, engine):
    configure_emulator(emulator, latency_ms=150)
    add_contacts(engine, 3000)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)
    wait_accepted(emulator, 200)
    with Session(engine) as session:
        campaigns.apply_action(session=session, channel=Channel.EMAIL, campaign_id=campaign_id, action="cancel")
    deadline = time.monotonic() + 20
    while ledger(engine, Channel.EMAIL, campaign_id).get("claimed") and time.monotonic() < deadline:
        time.sleep(0.2)
    counts = ledger(engine, Channel.EMAIL, campaign_id)
    accepted = emulator_stats(emulator)["accepted"]
    assert set(counts) == {"sent", "cancelled"}
    assert counts["sent"] == accepted and counts["sent"] + counts["cancelled"] == 3000
    with Session(engine) as session:
        campaign = session.get(EmailCampaign, campaign_id)
        assert campaign.status == "cancelled" and campaign.processed == 3000
    time.sleep(2)
    assert emulator_stats(emulator)["accepted"] == accepted


@pytest.mark.slow
@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.SMS])
def test_worker_killed_repeatedly_still_sends_each_recipient_exactly_once(app_env, emulator, workers, engine, channel):
    n = 3000 if channel == Channel.EMAIL else 600
    configure_emulator(emulator, latency_ms=40 if channel == Channel.EMAIL else 5)
    add_contacts(engine, n)
    campaign_id = make_campaign(engine, channel)
    workers.start(1)
    start(engine, channel, campaign_id)
    rng = random.Random(7)
    for _ in range(3):
        time.sleep(rng.uniform(0.8, 2.5))
        workers.kill_all()
        workers.start(1)
    Campaign = EmailCampaign if channel == Channel.EMAIL else SmsCampaign
    assert wait_for_status(engine, Campaign, campaign_id, {"sent", "failed"}, timeout=180) == "sent"
    assert_exactly_once(emulator, engine, channel, campaign_id, n)


@pytest.mark.slow
def test_throttling_and_server_errors_still_exactly_once_within_rate(app_env, emulator, workers, engine):
    configure_emulator(emulator, resend_rps=4, error_rate=0.3)
    workers.env["RESEND_REQUESTS_PER_SECOND"] = "8"  # deliberately above the provider's limit
    add_contacts(engine, 1500)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(2)
    start(engine, Channel.EMAIL, campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}, timeout=180) == "sent"
    stats = emulator_stats(emulator)
    assert stats["throttled"] > 0 or stats.get("errors", 0) > 0
    assert_exactly_once(emulator, engine, Channel.EMAIL, campaign_id, 1500)


def test_workers_together_stay_within_the_provider_rate_limit(app_env, emulator, workers, engine):
    configure_emulator(emulator, resend_rps=5)
    workers.env["RESEND_REQUESTS_PER_SECOND"] = "4"  # shared by both processes and all their threads
    add_contacts(engine, 2500)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(2)
    started = time.monotonic()
    start(engine, Channel.EMAIL, campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}, timeout=120) == "sent"
    elapsed = time.monotonic() - started
    assert emulator_stats(emulator)["throttled"] == 0
    assert elapsed >= 24 / 4, "25 requests at 4/s cannot finish sooner, whatever the number of workers"
    assert_exactly_once(emulator, engine, Channel.EMAIL, campaign_id, 2500)


def test_rejected_credentials_fail_the_campaign_with_a_readable_reason(app_env, emulator, workers, engine):
    workers.env["RESEND_API_KEY"] = "re_wrong_key"
    add_contacts(engine, 50)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"failed", "sent"}) == "failed"
    with Session(engine) as session:
        reason = session.get(EmailCampaign, campaign_id).status_reason
    assert "API key" in reason
    assert emulator_stats(emulator)["accepted"] == 0
    assert ledger(engine, Channel.EMAIL, campaign_id) == {"pending": 50}


def test_scheduled_campaign_starts_on_time(app_env, emulator, workers, engine):
    from campaign_dashboard.tasks.sending import schedule

    add_contacts(engine, 20)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    when = utcnow() + timedelta(seconds=3)
    with Session(engine) as session:
        campaigns.apply_action(
            session=session, channel=Channel.EMAIL, campaign_id=campaign_id, action="schedule", scheduled_at=when
        )
    schedule("email", campaign_id, when)
    workers.start(1)
    time.sleep(1)
    with Session(engine) as session:
        assert session.get(EmailCampaign, campaign_id).status == "scheduled"
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent"}, timeout=20) == "sent"
    with Session(engine) as session:
        started = session.get(EmailCampaign, campaign_id).started_at
    assert when <= started + timedelta(seconds=0.5) and started - when < timedelta(seconds=4)
    assert_exactly_once(emulator, engine, Channel.EMAIL, campaign_id, 20)


def test_suppressed_unsubscribed_and_opted_out_contacts_receive_nothing(app_env, emulator, workers, engine):
    add_contacts(engine, 10)
    with Session(engine) as session:
        session.add(Suppression(channel="email", address="c1@example.com", reason="hard_bounce"))
        c2 = session.exec(select(Contact).where(Contact.email == "c2@example.com")).one()
        c2.email_status = EmailStatus.UNSUBSCRIBED
        c3 = session.exec(select(Contact).where(Contact.email == "c3@example.com")).one()
        c3.sms_status = SmsStatus.OPTED_OUT
        session.add_all([c2, c3])
        session.commit()
    email_id = make_campaign(engine, Channel.EMAIL)
    sms_id = make_campaign(engine, Channel.SMS)
    workers.start(1)
    start(engine, Channel.EMAIL, email_id)
    start(engine, Channel.SMS, sms_id)
    wait_for_status(engine, EmailCampaign, email_id, {"sent"})
    wait_for_status(engine, SmsCampaign, sms_id, {"sent"})
    received = emulator_stats(emulator)["by_address"]
    assert "c1@example.com" not in received and "c2@example.com" not in received
    assert "+12125550003" not in received
    assert "c3@example.com" in received and "+12125550001" in received
    assert emulator_stats(emulator)["accepted"] == 8 + 9


def test_quiet_hours_defer_sms_until_the_window_opens(app_env, emulator, workers, engine):
    hour = utcnow().hour
    workers.env.update(
        {
            "QUIET_HOURS_ENABLED": "true",
            "QUIET_HOURS_START": str((hour + 2) % 24),
            "QUIET_HOURS_END": str((hour + 3) % 24) if (hour + 3) % 24 > (hour + 2) % 24 else "24",
        }
    )
    add_contacts(engine, 5)
    campaign_id = make_campaign(engine, Channel.SMS)
    workers.start(1)
    start(engine, Channel.SMS, campaign_id)
    Recipient = SmsCampaignRecipient

    def deferred_rows():
        with Session(engine) as session:
            rows = session.exec(select(Recipient).where(Recipient.campaign_id == campaign_id)).all()
        return rows if rows and all(r.not_before for r in rows) else None

    deadline = time.monotonic() + 60  # a worker takes seconds to start on a loaded machine
    while deferred_rows() is None and time.monotonic() < deadline:
        time.sleep(0.3)
    assert emulator_stats(emulator)["accepted"] == 0
    with Session(engine) as session:
        rows = session.exec(select(Recipient).where(Recipient.campaign_id == campaign_id)).all()
        assert {r.status for r in rows} == {"pending"}
        assert all(r.not_before and r.not_before > utcnow() for r in rows)
        assert session.get(SmsCampaign, campaign_id).status == "sending"
