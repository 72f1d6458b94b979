"""The reputation breaker on the event path: hard bounces and complaints past their limit over a
campaign's first deliveries pause it, with the reason, in the audit log as the system's doing;
only a person's resume moves it on, and the breaker then leaves it alone."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from campaign_dashboard.config import Settings
from campaign_dashboard.models import AuditEntry, CampaignStatsMinute, EmailCampaign, utcnow
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.events.breaker import Limits, evaluate
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType, apply_email_event
from campaign_dashboard.services.stats import waiting
from campaign_dashboard.services.stats.waiting import BREAKER
from tests.factories import make_email_campaign
from tests.helpers.events import make_sent_email


def event(session: Session, campaign: EmailCampaign, kind: EmailEventType, *, hard: bool = False) -> None:
    sent = make_sent_email(session, campaign=campaign)
    apply_email_event(
        session=session,
        event=EmailEventIn(
            provider_event_id=f"evt_{uuid.uuid4().hex}",
            type=kind,
            provider_message_id=sent.provider_message_id,
            occurred_at=utcnow(),
            hard_bounce=hard,
        ),
    )


def sending(session: Session, recipients: int = 20) -> EmailCampaign:
    return make_email_campaign(session, status="sending", recipients=recipients)


def reread(session: Session, campaign: EmailCampaign) -> EmailCampaign:
    session.expire_all()
    return session.get(EmailCampaign, campaign.id)


def test_hard_bounces_past_the_limit_pause_the_campaign_with_the_rates(session):
    campaign = sending(session, recipients=20)  # smaller than the window: 5% of 20 is 1
    for _ in range(10):
        event(session, campaign, EmailEventType.DELIVERED)
    event(session, campaign, EmailEventType.BOUNCED, hard=True)
    assert reread(session, campaign).status == "sending"  # 1 of 20: at the limit, not past it
    event(session, campaign, EmailEventType.BOUNCED, hard=True)
    paused = reread(session, campaign)
    assert (paused.status, paused.breaker) == ("paused", "tripped")
    assert paused.status_reason.startswith("Paused by the reputation breaker: 2 hard bounces with 10 delivered")
    assert "10% of the first 20 messages (the limit is 5%)" in paused.status_reason
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "email_campaign.pause")).one()
    assert (entry.actor_label, entry.actor_user_id, entry.object_id) == (
        "system: reputation breaker",
        None,
        str(campaign.id),
    )
    found = waiting.progress(session=session, settings=Settings(), channel="email", campaign_id=campaign.id)
    assert [(r.kind, r.word, r.message) for r in found.reasons] == [
        (BREAKER, "reputation breaker", paused.status_reason)
    ]


def test_soft_bounces_do_not_count_and_are_told_apart_in_the_minute_buckets(session):
    campaign = sending(session)
    for _ in range(5):
        event(session, campaign, EmailEventType.BOUNCED, hard=False)
    event(session, campaign, EmailEventType.BOUNCED, hard=True)
    assert reread(session, campaign).status == "sending"
    buckets = dict(
        session.exec(
            select(CampaignStatsMinute.metric, CampaignStatsMinute.count).where(
                CampaignStatsMinute.campaign_id == campaign.id
            )
        ).all()
    )
    assert (buckets["bounced"], buckets["hard_bounced"]) == (6, 1)


def test_one_complaint_in_a_small_campaign_passes_the_complaint_limit(session):
    campaign = sending(session, recipients=100)
    for _ in range(3):
        event(session, campaign, EmailEventType.DELIVERED)
    event(session, campaign, EmailEventType.COMPLAINED)
    paused = reread(session, campaign)
    assert paused.status == "paused"
    assert "1 complaint with 3 delivered, already 1% of the first 100 messages" in paused.status_reason
    assert "(the limit is 0.1%)." in paused.status_reason


def test_only_a_persons_resume_moves_it_on_and_then_the_breaker_leaves_it_alone(session):
    campaign = sending(session)
    for _ in range(3):
        event(session, campaign, EmailEventType.BOUNCED, hard=True)
    assert reread(session, campaign).status == "paused"
    resumed = campaigns.apply_action(session=session, channel="email", campaign_id=campaign.id, action="resume")
    assert (resumed.status, resumed.status_reason, resumed.breaker) == ("sending", None, "overridden")
    for _ in range(3):
        event(session, campaign, EmailEventType.BOUNCED, hard=True)
    assert reread(session, campaign).status == "sending"


def test_a_campaign_past_its_first_deliveries_is_no_longer_watched():
    limits = Limits(window=500, hard_bounce_rate=0.05)
    # before the window fills, the rate is against the whole window: the 26th hard bounce trips
    assert evaluate(limits, delivered=100, recipients=10_000, hard_bounces=25, complaints=0) is None
    trip = evaluate(limits, delivered=100, recipients=10_000, hard_bounces=26, complaints=0)
    assert trip is not None and (trip.what, trip.base) == ("hard bounces", 500)
    assert evaluate(limits, delivered=0, recipients=1, hard_bounces=1, complaints=0) is not None


def test_a_person_paused_campaign_is_not_taken_for_a_breaker_pause(session):
    campaign = sending(session)
    campaigns.apply_action(session=session, channel="email", campaign_id=campaign.id, action="pause")
    event(session, campaign, EmailEventType.BOUNCED, hard=True)
    event(session, campaign, EmailEventType.BOUNCED, hard=True)
    paused = reread(session, campaign)
    assert (paused.breaker, paused.status_reason) == (None, None)
    found = waiting.progress(session=session, settings=Settings(), channel="email", campaign_id=campaign.id)
    assert [r.kind for r in found.reasons] == ["paused"]


@pytest.mark.parametrize("rate", ["5", "0", "-0.1"])
def test_a_rate_that_is_not_a_fraction_is_refused_with_how_to_write_it(rate, monkeypatch):
    monkeypatch.setenv("BREAKER_HARD_BOUNCE_RATE", rate)
    with pytest.raises(ValidationError, match=r"BREAKER_HARD_BOUNCE_RATE must be a fraction .* \(0.05 is 5%\)"):
        Settings()
