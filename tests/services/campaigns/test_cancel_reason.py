"""Cancelling with a reason: the person's "why" is kept as the campaign's status reason (the
campaign page shows it), trimmed; a blank one clears an older reason; an overlong one is refused."""

from __future__ import annotations

import pytest

from campaign_dashboard.models import CampaignStatus
from campaign_dashboard.services.campaigns import commands
from campaign_dashboard.services.campaigns.actions import MAX_CANCEL_REASON
from campaign_dashboard.services.errors import ValidationFailed
from tests.factories import make_email_campaign


class Queue:
    def __init__(self) -> None:
        self.actions: list[str] = []

    def after_action(self, channel, campaign, action) -> None:
        self.actions.append(str(action))

    def scheduled_start(self, channel, campaign) -> None:
        raise AssertionError("nothing is scheduled here")


def cancel(session, campaign, reason):
    return commands.apply_action(
        session=session, channel="email", campaign_id=campaign.id, action="cancel", queue=Queue(), reason=reason
    )


def test_the_reason_given_is_kept_on_the_cancelled_campaign(session):
    campaign = make_email_campaign(session, status=CampaignStatus.SENDING)
    cancelled = cancel(session, campaign, "  Wrong segment picked  ")
    assert cancelled.status == CampaignStatus.CANCELLED
    assert cancelled.status_reason == "Wrong segment picked"


def test_no_reason_replaces_a_pauses_reason_with_none(session):
    campaign = make_email_campaign(session, status=CampaignStatus.PAUSED, status_reason="Daily quota used up")
    cancelled = cancel(session, campaign, "   ")
    assert cancelled.status == CampaignStatus.CANCELLED
    assert cancelled.status_reason is None


def test_an_overlong_reason_is_refused_and_nothing_changes(session):
    campaign = make_email_campaign(session, status=CampaignStatus.SENDING)
    with pytest.raises(ValidationFailed):
        cancel(session, campaign, "x" * (MAX_CANCEL_REASON + 1))
    session.refresh(campaign)
    assert campaign.status == CampaignStatus.SENDING
