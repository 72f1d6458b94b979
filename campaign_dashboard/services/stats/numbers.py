"""The one shape of the headline numbers, built from `models.COUNTER_FIELDS`.

`StatsSummary` holds every campaign counter (summed over both channels), the email/SMS split the
rates need, and for one campaign its status and progress. The API returns `as_dict()` (the
`API_FIELDS`), the dashboard reads the fields: a counter added to COUNTER_FIELDS shows up in both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from campaign_dashboard.models import COUNTER_FIELDS
from campaign_dashboard.models.campaigns import CampaignCounters, CampaignFields

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
class StatsSummary(CampaignCounters):
    """Headline numbers of one campaign or of a period across campaigns: every campaign counter
    (inherited, so a counter added to the models is here too) and these. `sent`/`delivered` cover both
    channels; opens, clicks and bounces only exist for email, so their rates are taken over
    `email_sent`/`email_delivered`. A period has no status, recipients or progress."""

    status: str = ""
    progress: float = 0.0
    email_sent: int = 0
    email_delivered: int = 0
    sms_sent: int = 0
    sms_delivered: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The API's shape: status, every counter and progress."""
        values = asdict(self)
        return {name: values[name] for name in API_FIELDS}


def progress(campaign: CampaignFields) -> float:
    """The share of the campaign's recipients that reached a final send outcome, 0 to 1."""
    if not campaign.recipients:
        return 0.0
    return max(0.0, min(1.0, campaign.processed / campaign.recipients))
