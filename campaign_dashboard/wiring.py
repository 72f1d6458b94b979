"""Which implementation each service port gets in this process: the one place that knows both.

`services.campaigns.commands` takes a `CampaignQueue`; the API routes and the dashboard states
take it from here, so neither names the task queue and tests can hand the commands any other
queue. It sits outside ui, api and tasks because it is the one module meant to see both sides:
for the layering contracts (ui, api and tasks import none of each other) the only crossing is
`campaign_dashboard.wiring -> campaign_dashboard.tasks.send_queue`, reached through here.
"""

from __future__ import annotations

from campaign_dashboard.services.campaigns.commands import CampaignQueue
from campaign_dashboard.tasks.send_queue import SendQueue

campaign_queue: CampaignQueue = SendQueue()

__all__ = ["campaign_queue"]
