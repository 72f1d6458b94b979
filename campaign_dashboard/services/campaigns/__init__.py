"""Campaigns: what is sent, to whom and when.

Campaign records of both channels (`records`), what they may contain and when they may be sent
(`content`), status changes (`actions`, over the state machine in `lifecycle`), the public shape of
a campaign (`public`) and what an SMS campaign costs (`sms_pricing`). `commands` is the entry point
for what a person asks (create, edit, an action): it also queues the worker's part through an
injected `CampaignQueue`. Around them: personalised rendering and its bounds (`rendering`,
`render_limits`), reusable templates (`templates`), SMS encoding (`sms_text`) and one-off test
sends (`sample_send`). Callers use the campaign functions from the package itself:
`campaigns.create(...)`; `commands.create(..., queue=...)` when the worker must hear of it.
"""

from campaign_dashboard.services.campaigns.actions import apply_action
from campaign_dashboard.services.campaigns.content import (
    COMMON_FIELDS,
    CONTENT_FIELDS,
    MAX_SMS_BODY,
    SCHEDULE_FIELDS,
    checked_content,
    resolve_schedule,
)
from campaign_dashboard.services.campaigns.public import to_dict
from campaign_dashboard.services.campaigns.records import (
    ARCHIVABLE,
    SENT_RECIPIENT_STATUSES,
    archive,
    create,
    delete,
    duplicate,
    get,
    list_campaigns,
    recipients_page,
    status_counts,
    update,
)
from campaign_dashboard.services.campaigns.sms_pricing import sms_audience, sms_cost, sms_preview

__all__ = [
    "COMMON_FIELDS",
    "CONTENT_FIELDS",
    "SCHEDULE_FIELDS",
    "SENT_RECIPIENT_STATUSES",
    "ARCHIVABLE",
    "MAX_SMS_BODY",
    "get",
    "list_campaigns",
    "status_counts",
    "recipients_page",
    "to_dict",
    "sms_audience",
    "sms_cost",
    "sms_preview",
    "create",
    "update",
    "delete",
    "archive",
    "duplicate",
    "apply_action",
    "resolve_schedule",
    "checked_content",
]
