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

from campaign_dashboard.services.campaigns.commands import CampaignQueue
from campaign_dashboard.services.events.received_emails import ReceivedEmailQueue
from campaign_dashboard.tasks.mirroring import queue_remote_deletions, queue_sync
from campaign_dashboard.tasks.receiving import queue_received_email
from campaign_dashboard.tasks.send_queue import SendQueue

campaign_queue: CampaignQueue = SendQueue()
received_email_queue: ReceivedEmailQueue = queue_received_email
# After a segment changes or is deleted, mirror it to Resend now rather than at the next tick.
mirror_segment_soon = queue_sync
mirror_deletions_soon = queue_remote_deletions

__all__ = ["campaign_queue", "mirror_deletions_soon", "mirror_segment_soon", "received_email_queue"]
