"""The reputation breaker end to end: real workers send through the emulator, whose bounce rate
sends its signed webhooks to the real web app; the campaign pauses itself within a bounded number
of sends after its hard bounces pass the limit, nothing is sent twice, and a person's resume
finishes it (issue 13, item 6)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from campaign_dashboard.models import Channel, EmailCampaign, EmailCampaignRecipient, EmailEvent
from campaign_dashboard.services import campaigns
from tests.helpers.processes import configure_emulator, emulator_stats
from tests.helpers.sending import add_contacts, ledger, make_campaign, start, wait_for_status
from tests.sending.test_send_outcomes import settled_ledger

pytestmark = [pytest.mark.xdist_group("sending"), pytest.mark.emulator_webhooks]

RECIPIENTS = 2000
REQUESTS_PER_SECOND = 1  # a chunk of 100 emails a second: the breaker's lag shows in sends
WINDOW, HARD_BOUNCE_LIMIT = 500, 0.05  # the defaults: the 26th hard bounce trips it
# The bound: what goes out while the tripping bounce is on its way back (a few seconds at the
# rate) and the chunk each of the parallel batch chains had already handed to the provider.
MAX_SENDS_AFTER_THRESHOLD = 3 * REQUESTS_PER_SECOND * 100 + 2 * 100


def sends_until_threshold(engine: sa.Engine, campaign_id: int) -> int:
    """How many messages had gone out when the one whose hard bounce passed the limit was sent."""
    limit = int(HARD_BOUNCE_LIMIT * WINDOW)  # more than this many hard bounces passes it
    R = EmailCampaignRecipient
    with Session(engine) as session:
        hard = (
            select(EmailEvent.recipient_id)
            .where(EmailEvent.campaign_id == campaign_id, EmailEvent.type == "bounced")
            .where(sa.func.coalesce(EmailEvent.detail, "").startswith("hard bounce"))
        )
        sent = session.exec(
            select(R.id, R.id.in_(hard))
            .where(R.campaign_id == campaign_id, R.sent_at.is_not(None))
            .order_by(R.sent_at, R.id)
        ).all()
    bounced = 0
    for position, (_, hard_bounced) in enumerate(sent, start=1):
        bounced += bool(hard_bounced)
        if bounced > limit:
            return position
    raise AssertionError(f"only {bounced} hard bounces among {len(sent)} sent: the threshold was never passed")


@pytest.mark.slow
def test_hard_bounces_at_the_emulators_rate_trip_the_breaker_within_a_bounded_number_of_sends(
    app_env, emulator, workers, engine
):
    # about a fifth of the messages hard-bounce (70% of bounces are Permanent), nobody complains
    configure_emulator(
        emulator,
        bounce_rate=0.3,
        open_rate=0,
        click_rate=0,
        reply_rate=0,
        unsubscribe_rate=0,
        complaint_rate=0,
        webhook_delay_ms=100,
        seed=13,
    )
    app_env["RESEND_REQUESTS_PER_SECOND"] = str(REQUESTS_PER_SECOND)
    add_contacts(engine, RECIPIENTS, prefix="breaker")
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)

    assert wait_for_status(engine, EmailCampaign, campaign_id, {"paused", "sent", "failed"}, timeout=120) == "paused"
    counts = settled_ledger(engine, Channel.EMAIL, campaign_id)
    with Session(engine) as session:
        campaign = session.get(EmailCampaign, campaign_id)
        sent, breaker, reason = campaign.sent, campaign.breaker, campaign.status_reason or ""
    assert breaker == "tripped"
    assert reason.startswith("Paused by the reputation breaker: ") and "hard bounces" in reason
    threshold = sends_until_threshold(engine, campaign_id)
    assert sent - threshold <= MAX_SENDS_AFTER_THRESHOLD, (sent, threshold)
    assert sent < RECIPIENTS and "claimed" not in counts and counts.get("pending", 0) == RECIPIENTS - sent
    stats = emulator_stats(emulator)
    assert (stats["accepted"], stats["duplicates"]) == (sent, 0)  # the pause lost and doubled nothing

    from campaign_dashboard.tasks.sending import kick

    with Session(engine) as session:  # a person looked at the list and resumes: it finishes
        campaigns.apply_action(session=session, channel=Channel.EMAIL, campaign_id=campaign_id, action="resume")
    kick("email", campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"paused", "sent", "failed"}, timeout=120) == "sent"
    stats = emulator_stats(emulator)
    assert (stats["accepted"], stats["duplicates"]) == (RECIPIENTS, 0)
    assert "pending" not in ledger(engine, Channel.EMAIL, campaign_id)
    with Session(engine) as session:
        assert session.get(EmailCampaign, campaign_id).breaker == "overridden"
