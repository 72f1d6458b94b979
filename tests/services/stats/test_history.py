"""A campaign's status changes from the audit log: who paused, resumed and cancelled it, whether
through the API or the dashboard, and never another campaign's (the other channel's same id)."""

from __future__ import annotations

import pytest

from campaign_dashboard.services.accounts import audit, tokens, users
from campaign_dashboard.services.stats import last_change, status_changes
from tests.factories import make_email_campaign, make_sms_campaign


@pytest.fixture
def people(session):
    ann = users.create_user(
        session=session, email="ann@example.com", name="Ann", password="long-enough-password", role="marketer"
    )
    token, _ = tokens.create_token(session=session, name="ci-bot", role="marketer")
    return ann, token


def dashboard(session, user, action: str, campaign_id: int, channel: str | None, **extra) -> None:
    """An entry as the dashboard guard writes it for a handler `act(campaign_id, action, ...)`."""
    args = {"campaign_id": campaign_id, "action": action, **extra}
    if channel is not None:
        args["channel"] = channel
    audit.record(
        session,
        actor_user_id=user.id,
        action=f"dashboard.SomeState.act:{action}",
        object_type="campaign",
        object_id=campaign_id,
        detail={"args": args},
    )


def test_pause_resume_and_cancel_by_people_in_order_with_who_did_each(session, people):
    ann, token = people
    campaign = make_email_campaign(session)
    audit.record(
        session,
        actor_token_id=token.id,
        action="email_campaign.start",
        object_type="email_campaign",
        object_id=campaign.id,
    )
    dashboard(session, ann, "pause", campaign.id, "email")
    dashboard(session, ann, "resume", campaign.id, "email")
    audit.record(
        session,
        actor_user_id=ann.id,
        action="email_campaign.update",
        object_type="email_campaign",
        object_id=campaign.id,
    )
    dashboard(session, ann, "cancel", campaign.id, "email", reason="wrong list")
    session.commit()

    changes = status_changes(session=session, channel="email", campaign_id=campaign.id)

    assert [(c.action, c.actor) for c in changes] == [
        ("start", "token ci-bot (" + token.prefix + "…)"),
        ("pause", "ann@example.com"),
        ("resume", "ann@example.com"),
        ("cancel", "ann@example.com"),
    ]
    assert changes == sorted(changes, key=lambda c: c.at)
    cancelled = last_change(changes, "cancel")
    assert cancelled is not None and cancelled.actor == "ann@example.com"
    assert last_change(changes, "schedule") is None


def test_the_other_channels_campaign_with_the_same_id_is_not_mixed_in(session, people):
    ann, token = people
    email = make_email_campaign(session)
    sms = make_sms_campaign(session, id=email.id)
    audit.record(
        session, actor_token_id=token.id, action="sms_campaign.pause", object_type="sms_campaign", object_id=sms.id
    )
    dashboard(session, ann, "cancel", sms.id, "sms")
    dashboard(session, ann, "resume", sms.id, None)  # a page whose handler does not say its channel
    session.commit()

    assert status_changes(session=session, channel="email", campaign_id=email.id) == []
    assert [c.action for c in status_changes(session=session, channel="sms", campaign_id=sms.id)] == [
        "pause",
        "cancel",
    ]


def test_an_entry_without_its_channel_counts_when_only_one_campaign_has_that_id(session, people):
    ann, _ = people
    campaign = make_email_campaign(session)
    dashboard(session, ann, "pause", campaign.id, None)
    session.commit()
    changes = status_changes(session=session, channel="email", campaign_id=campaign.id)
    assert [(c.action, c.actor) for c in changes] == [("pause", "ann@example.com")]
