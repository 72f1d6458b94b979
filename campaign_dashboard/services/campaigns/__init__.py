"""Campaigns: what is sent, to whom and when.

Owns campaign records for both channels (`store`), the lifecycle state machine (`lifecycle`),
personalised rendering and its bounds (`rendering`, `render_limits`), reusable templates
(`templates`), SMS encoding and cost (`sms_text`) and one-off test sends (`sample_send`).
Callers use the campaign functions from the package itself: `campaigns.create(...)`.
"""

from campaign_dashboard.services.campaigns.store import (
    ARCHIVABLE,
    COMMON_FIELDS,
    CONTENT_FIELDS,
    MAX_SMS_BODY,
    SCHEDULE_FIELDS,
    SENT_RECIPIENT_STATUSES,
    apply_action,
    archive,
    checked_content,
    create,
    delete,
    duplicate,
    get,
    list_campaigns,
    recipients_page,
    resolve_schedule,
    sms_audience,
    sms_cost,
    sms_preview,
    status_counts,
    to_dict,
    update,
)
from campaign_dashboard.services.stats import STATS_FIELDS, progress
from campaign_dashboard.services.stats import campaign_stats as stats

__all__ = [
    "COMMON_FIELDS",
    "CONTENT_FIELDS",
    "SCHEDULE_FIELDS",
    "STATS_FIELDS",
    "SENT_RECIPIENT_STATUSES",
    "ARCHIVABLE",
    "MAX_SMS_BODY",
    "get",
    "list_campaigns",
    "status_counts",
    "recipients_page",
    "stats",
    "progress",
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
