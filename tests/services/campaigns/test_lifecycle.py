"""The campaign state machine, exercised through `apply_action` on a real database.

Every (status, action) pair of the table is tried for both channels: legal ones land on the
table's target status, illegal ones raise IllegalTransition and change nothing. Two requests racing
on the same campaign cannot both win.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import CampaignStatus, Channel, utcnow
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import lifecycle
from campaign_dashboard.services.campaigns.lifecycle import TRANSITIONS, Action
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.errors import IllegalTransition, ValidationFailed
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign

ALL_PAIRS = [(status, action) for status in CampaignStatus for action in Action]
FUTURE = datetime(2099, 1, 1, 9, 0, tzinfo=UTC)


def _campaign(session: Session, channel: Channel, status: str = CampaignStatus.DRAFT, **fields):
    segment = make_segment(session)
    if status == CampaignStatus.SCHEDULED:
        fields.setdefault("scheduled_at", FUTURE)
    make = make_email_campaign if channel is Channel.EMAIL else make_sms_campaign
    return make(session, status=status, segment_id=segment.id, **fields)


def _fresh(engine, channel: Channel, campaign_id: int):
    """The row as another connection sees it now."""
    with Session(engine) as other:
        return other.get(campaign_model(channel), campaign_id)


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize(("status", "action"), ALL_PAIRS, ids=[f"{s}-{a}" for s, a in ALL_PAIRS])
def test_every_pair_of_the_transition_table(engine, session, channel, status, action):
    campaign = _campaign(session, channel, status)
    before = _fresh(engine, channel, campaign.id)
    kwargs = {"scheduled_at": FUTURE} if action is Action.SCHEDULE else {}
    if (status, action) in TRANSITIONS:
        result = campaigns.apply_action(
            session=session, channel=channel, campaign_id=campaign.id, action=action, **kwargs
        )
        assert result.status == TRANSITIONS[(status, action)]
        assert _fresh(engine, channel, campaign.id).status == TRANSITIONS[(status, action)]
    else:
        with pytest.raises(IllegalTransition) as err:
            campaigns.apply_action(session=session, channel=channel, campaign_id=campaign.id, action=action, **kwargs)
        assert err.value.code == "illegal_transition"
        assert f"Cannot {action.value} a campaign that is {status.value}" in err.value.message
        after = _fresh(engine, channel, campaign.id)
        assert after.model_dump() == before.model_dump()  # nothing changed, not even a timestamp


def test_allowed_actions_match_the_table():
    assert lifecycle.allowed_actions("draft") == ["schedule", "start"]
    assert lifecycle.allowed_actions("scheduled") == ["unschedule", "start", "cancel"]
    assert lifecycle.allowed_actions("sending") == ["pause", "cancel"]
    assert lifecycle.allowed_actions("paused") == ["resume", "cancel"]
    for terminal in ("sent", "failed", "cancelled"):
        assert lifecycle.allowed_actions(terminal) == []


@pytest.mark.parametrize("channel", list(Channel))
def test_start_snapshots_the_audience_and_records_the_start(engine, session, channel):
    segment = make_segment(session)
    for _ in range(3):
        make_contact(session, phone=None if channel is Channel.EMAIL else f"+1415555{_:04d}")
    make = make_email_campaign if channel is Channel.EMAIL else make_sms_campaign
    campaign = make(session, segment_id=segment.id)
    started = campaigns.apply_action(session=session, channel=channel, campaign_id=campaign.id, action="start")
    assert started.status == "sending"
    assert started.started_at is not None
    assert started.recipients == 3
    rows = session.exec(
        select(recipient_model(channel)).where(recipient_model(channel).campaign_id == campaign.id)
    ).all()
    assert {r.status for r in rows} == {"pending"}


def test_start_without_a_valid_segment_changes_nothing(engine, session):
    campaign = _campaign(session, Channel.EMAIL)
    campaign.segment_id = None
    session.add(campaign)
    session.commit()
    with pytest.raises(ValidationFailed):
        campaigns.apply_action(session=session, channel="email", campaign_id=campaign.id, action="start")
    assert _fresh(engine, Channel.EMAIL, campaign.id).status == "draft"


@pytest.mark.parametrize("channel", list(Channel))
def test_cancel_marks_pending_recipients_cancelled_and_leaves_claims_to_their_worker(engine, session, channel):
    campaign = _campaign(session, channel, CampaignStatus.SENDING, recipients=5, processed=2, sent=2)
    Recipient = recipient_model(channel)
    statuses = ["sent", "delivered", "pending", "claimed", "pending"]
    for i, status in enumerate(statuses):
        session.add(Recipient(campaign_id=campaign.id, address=f"r{i}@example.com", status=status))
    session.commit()
    cancelled = campaigns.apply_action(session=session, channel=channel, campaign_id=campaign.id, action="cancel")
    assert cancelled.status == "cancelled"
    assert cancelled.processed == 4  # the claimed row is settled by the worker holding it
    rows = session.exec(select(Recipient).where(Recipient.campaign_id == campaign.id).order_by(Recipient.id)).all()
    assert [r.status for r in rows] == ["sent", "delivered", "cancelled", "claimed", "cancelled"]


def test_schedule_needs_a_timezone_aware_future_time(session):
    campaign = _campaign(session, Channel.EMAIL)
    act = dict(session=session, channel="email", campaign_id=campaign.id, action="schedule")
    with pytest.raises(ValidationFailed, match="needs a time"):
        campaigns.apply_action(**act)
    with pytest.raises(ValidationFailed, match="offset"):
        campaigns.apply_action(**act, scheduled_at="2099-01-01T09:00:00")
    with pytest.raises(ValidationFailed, match="future"):
        campaigns.apply_action(**act, scheduled_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(ValidationFailed, match="Unknown timezone"):
        campaigns.apply_action(**act, scheduled_at="2099-01-01T09:00:00", timezone="Mars/Olympus")
    assert campaigns.get(session=session, channel="email", campaign_id=campaign.id).status == "draft"

    scheduled = campaigns.apply_action(**act, scheduled_at="2099-07-01T09:00:00", timezone="Europe/Paris")
    assert scheduled.status == "scheduled"
    assert scheduled.scheduled_at == datetime(2099, 7, 1, 7, 0, tzinfo=UTC)  # CEST is UTC+2


def test_schedule_accepts_an_iso_offset_and_unschedule_clears_it(session):
    campaign = _campaign(session, Channel.SMS)
    scheduled = campaigns.apply_action(
        session=session,
        channel="sms",
        campaign_id=campaign.id,
        action="schedule",
        scheduled_at="2099-01-01T09:00:00-05:00",
    )
    assert scheduled.scheduled_at == datetime(2099, 1, 1, 14, 0, tzinfo=UTC)
    draft = campaigns.apply_action(session=session, channel="sms", campaign_id=campaign.id, action="unschedule")
    assert (draft.status, draft.scheduled_at) == ("draft", None)


def test_fail_records_the_reason(session):
    campaign = _campaign(session, Channel.EMAIL, CampaignStatus.SENDING)
    failed = campaigns.apply_action(
        session=session, channel="email", campaign_id=campaign.id, action="fail", reason="Resend rejected the API key"
    )
    assert (failed.status, failed.status_reason) == ("failed", "Resend rejected the API key")
    assert failed.completed_at is not None


@pytest.mark.parametrize("channel", list(Channel))
def test_a_stale_request_loses_the_race_and_changes_nothing(engine, session, channel):
    """Two people look at a sending campaign; one pauses, then the other's cancel arrives."""
    campaign = _campaign(session, channel, CampaignStatus.SENDING)
    with Session(engine, expire_on_commit=False) as late:
        seen = late.get(campaign_model(channel), campaign.id)  # the late one saw "sending"
        late.commit()
        assert seen.status == "sending"

        campaigns.apply_action(session=session, channel=channel, campaign_id=campaign.id, action="pause")

        with pytest.raises(IllegalTransition) as err:
            campaigns.apply_action(session=late, channel=channel, campaign_id=campaign.id, action="cancel")
    assert "another request just made it paused" in err.value.message
    assert _fresh(engine, channel, campaign.id).status == "paused"


@pytest.mark.parametrize("second", ["pause", "cancel"])
def test_concurrent_requests_from_two_sessions_only_one_wins(engine, session, second):
    campaign = _campaign(session, Channel.EMAIL, CampaignStatus.SENDING)
    Recipient = recipient_model("email")
    session.add(Recipient(campaign_id=campaign.id, address="a@example.com", status="pending"))
    session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(action: str) -> None:
        with Session(engine, expire_on_commit=False) as own:
            campaign_row = own.get(campaign_model("email"), campaign.id)
            assert campaign_row is not None
            own.commit()  # release SQLite's write lock so both really read "sending"
            barrier.wait()
            try:
                campaigns.apply_action(session=own, channel="email", campaign_id=campaign.id, action=action)
                outcomes.append(f"{action}: ok")
            except IllegalTransition:
                outcomes.append(f"{action}: refused")

    threads = [threading.Thread(target=act, args=(a,)) for a in ("pause", second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(o.split(": ")[1] for o in outcomes) == ["ok", "refused"]
    winner = next(o.split(":")[0] for o in outcomes if o.endswith("ok"))
    final = _fresh(engine, Channel.EMAIL, campaign.id)
    assert final.status == TRANSITIONS[(CampaignStatus.SENDING, Action(winner))]
    pending = _fresh_recipient_statuses(engine, campaign.id)
    assert pending == (["cancelled"] if winner == "cancel" else ["pending"])


def _fresh_recipient_statuses(engine, campaign_id: int) -> list[str]:
    Recipient = recipient_model("email")
    with Session(engine) as other:
        return list(other.exec(select(Recipient.status).where(Recipient.campaign_id == campaign_id)).all())
