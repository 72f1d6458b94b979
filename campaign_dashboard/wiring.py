"""Which implementation each service port gets in this process: the one place that knows both.

`services.campaigns.commands` takes a `CampaignQueue`; the API routes and the dashboard states
take it from here, so neither names the task queue and tests can hand the commands any other
queue. The Resend webhook depends on a `ReceivedEmailQueue` (services.events.received_emails):
`api.app.create_api` takes one as a parameter and every app built without one
(`campaign_dashboard.api:app` under uvicorn, the Reflex app, the tests) gets the one here.
It sits outside ui, api and tasks because it is the one module meant to see both sides: for the
layering contracts (ui, api and tasks import none of each other) the only crossings are
`campaign_dashboard.wiring -> campaign_dashboard.tasks.send_queue` and
`-> campaign_dashboard.tasks.receiving` and `-> campaign_dashboard.tasks.mirroring` (the segment routes
ask for a mirror at once), reached through here.
"""

from __future__ import annotations

from typing import Any

from campaign_dashboard.models import Channel
from campaign_dashboard.services.campaigns.commands import CampaignQueue
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.events.received_emails import ReceivedEmailQueue

# The task modules are imported on first use, not here: importing `campaign_dashboard.tasks`
# registers every task and loads the provider SDKs, which a web process only needs once it queues.


class _SendQueue:
    """The Huey `CampaignQueue` (`tasks.send_queue`), imported when a campaign command first needs it."""

    def after_action(self, channel: Channel | str, campaign: Any, action: Action | str) -> None:
        from campaign_dashboard.tasks.send_queue import queue_after_action

        queue_after_action(channel, campaign, action)

    def scheduled_start(self, channel: Channel | str, campaign: Any) -> None:
        from campaign_dashboard.tasks.send_queue import queue_scheduled_start

        queue_scheduled_start(channel, campaign)


def _queue_received_email(payload: dict[str, Any], event_id: str) -> None:
    from campaign_dashboard.tasks.receiving import queue_received_email

    queue_received_email(payload, event_id)


def mirror_segment_soon(segment_id: int) -> None:
    """After a segment changes, mirror it to Resend now rather than at the next tick."""
    from campaign_dashboard.tasks.mirroring import queue_sync

    queue_sync(segment_id)


def mirror_deletions_soon() -> None:
    """After a segment is deleted, delete its Resend copy now rather than at the next tick."""
    from campaign_dashboard.tasks.mirroring import queue_remote_deletions

    queue_remote_deletions()


campaign_queue: CampaignQueue = _SendQueue()
received_email_queue: ReceivedEmailQueue = _queue_received_email

__all__ = ["campaign_queue", "mirror_deletions_soon", "mirror_segment_soon", "received_email_queue"]
