"""The one shape of the headline numbers, built from `models.COUNTER_FIELDS`.

`StatsSummary` holds every campaign counter (summed over both channels), the email/SMS split the
rates need, and for one campaign its status and progress. The API returns `as_dict()` (the
`API_FIELDS`), the dashboard reads the fields: a counter added to COUNTER_FIELDS shows up in both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from campaign_dashboard.models import COUNTER_FIELDS
from campaign_dashboard.models.campaigns import CampaignFields

# Counters that move with the audience snapshot and the send, not per event: they have no
# per-minute buckets, so a period's summary leaves them at 0.
AUDIENCE_COUNTERS = ("recipients", "processed")
# The counters summed per channel and per minute (names of both the campaign columns and the bucket metrics).
METRICS = tuple(f for f in COUNTER_FIELDS if f not in AUDIENCE_COUNTERS)
# What opens, clicks and bounces are rated over: they only exist for email.
CHANNEL_SPLITS = ("email_sent", "email_delivered", "sms_sent", "sms_delivered")
# One campaign's numbers as the API returns them, in this order.
API_FIELDS = ("status", *COUNTER_FIELDS, "progress")
# The counters of a campaign's stats besides `processed` (which they list after them).
STATS_FIELDS = tuple(f for f in COUNTER_FIELDS if f != "processed")


@dataclass
class StatsSummary:
    """Headline numbers of one campaign or of a period across campaigns. `sent`/`delivered` cover both
    channels; opens, clicks and bounces only exist for email, so their rates are taken over
    `email_sent`/`email_delivered`. A period has no status, recipients or progress.

    Written out (not built from COUNTER_FIELDS) so type checkers see the fields; the check below
    fails at import when a counter is added to COUNTER_FIELDS and not here."""

    status: str = ""
    recipients: int = 0
    processed: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    opened: int = 0
    unique_opens: int = 0
    clicked: int = 0
    unique_clicks: int = 0
    bounced: int = 0
    complained: int = 0
    unsubscribed: int = 0
    replied: int = 0
    progress: float = 0.0
    email_sent: int = 0
    email_delivered: int = 0
    sms_sent: int = 0
    sms_delivered: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The API's shape: status, every counter and progress."""
        values = asdict(self)
        return {name: values[name] for name in API_FIELDS}


_FIELD_ORDER = ("status", *COUNTER_FIELDS, "progress", *CHANNEL_SPLITS)
if tuple(f.name for f in fields(StatsSummary)) != _FIELD_ORDER:
    raise RuntimeError(f"StatsSummary's fields must be, in this order: {', '.join(_FIELD_ORDER)}")


def progress(campaign: CampaignFields) -> float:
    """The share of the campaign's recipients that reached a final send outcome, 0 to 1."""
    if not campaign.recipients:
        return 0.0
    return max(0.0, min(1.0, campaign.processed / campaign.recipients))
