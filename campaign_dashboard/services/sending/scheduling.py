"""What the worker's scheduler tick looks after: scheduled campaigns that are due to start,
campaigns that are sending (whose chains of batches may have been lost), and A/B tests whose
wait is over (their winner is picked, once, and the remainder can be sent).

Starting goes through the lifecycle, so a campaign rescheduled, cancelled or started by someone
else meanwhile is left alone; the tick and a campaign's own scheduled task may both try.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from campaign_dashboard.models import CampaignStatus, Channel
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import ab_decision
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.channels import campaign_model
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.services.sending.batches import SendDeps

log = logging.getLogger(__name__)


def due_to_start(*, deps: SendDeps, channel: Channel) -> list[int]:
    """Ids of scheduled campaigns whose time has come."""
    Campaign = campaign_model(channel)
    with Session(deps.engine) as session:
        return list(
            session.scalars(
                select(col(Campaign.id)).where(
                    col(Campaign.status) == CampaignStatus.SCHEDULED, col(Campaign.scheduled_at) <= deps.now()
                )
            )
        )


def sending_campaigns(*, deps: SendDeps, channel: Channel) -> list[int]:
    """Ids of campaigns being sent."""
    Campaign = campaign_model(channel)
    with Session(deps.engine) as session:
        return list(session.scalars(select(col(Campaign.id)).where(col(Campaign.status) == CampaignStatus.SENDING)))


def start_due(*, deps: SendDeps, channel: Channel, campaign_id: int) -> bool:
    """Start a scheduled campaign if its time has come; True when it started (queue its batches)."""
    with Session(deps.engine) as session:
        campaign = session.get(campaign_model(channel), campaign_id)
        if campaign is None or campaign.status != CampaignStatus.SCHEDULED:
            return False
        if campaign.scheduled_at and campaign.scheduled_at > deps.now() + timedelta(seconds=1):
            return False  # rescheduled later: its own scheduled task will come
        try:
            campaigns.apply_action(session=session, channel=channel, campaign_id=campaign_id, action=Action.START)
        except DomainError as exc:
            log.warning("scheduled campaign %s/%s could not start: %s", channel, campaign_id, exc)
            return False
    return True


def decide_ab_tests(*, deps: SendDeps, channel: Channel) -> list[int]:
    """Pick the winner of every A/B test whose wait is over; the ids of the campaigns whose
    remainder can now be sent (a test another worker decided first is not among them)."""
    with Session(deps.engine) as session:
        return ab_decision.decide_due(session=session, channel=channel, now=deps.now())
