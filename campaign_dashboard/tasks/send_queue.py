"""After a lifecycle change, queue the worker's part: the first send batches of a started or
resumed campaign, or the start task of a scheduled one.

`queue_after_action` and `queue_scheduled_start` implement `services.campaigns.commands.CampaignQueue`
on Huey: the REST API and the dashboard both run their campaign commands with them (through
`campaign_dashboard.wiring`, which imports this module on first use),
so a campaign started from either is sent the same way. The status change is already committed
when these run; if the queue is unreachable they log it and return, and the worker's scheduler
tick picks the campaign up.
"""

from __future__ import annotations

import logging
from typing import Any

from campaign_dashboard.models import Channel
from campaign_dashboard.services.campaigns.lifecycle import Action

log = logging.getLogger(__name__)


def queue_after_action(channel: Channel | str, campaign: Any, action: Action | str) -> None:
    """What `action` (just applied to `campaign`) needs from the worker, if anything."""
    action = Action(action)
    if action in (Action.START, Action.RESUME):
        queue_sending(channel, campaign.id)
    elif action is Action.SCHEDULE:
        queue_scheduled_start(channel, campaign)


def queue_sending(channel: Channel | str, campaign_id: int) -> None:
    """Queue the first batches; if the queue is unreachable the scheduler tick will do it."""
    channel = Channel(channel)
    try:
        from campaign_dashboard.tasks.sending import kick

        kick(channel.value, campaign_id)
    except Exception:  # noqa: BLE001 - the status change stands; the tick recovers
        log.exception("could not queue sending of %s campaign %s; the tick will pick it up", channel, campaign_id)


def queue_scheduled_start(channel: Channel | str, campaign: Any) -> None:
    channel = Channel(channel)
    try:
        from campaign_dashboard.tasks.sending import schedule

        schedule(channel.value, campaign.id, campaign.scheduled_at)
    except Exception:  # noqa: BLE001 - the tick starts due campaigns anyway
        log.exception("could not queue the scheduled start of %s campaign %s", channel, campaign.id)
