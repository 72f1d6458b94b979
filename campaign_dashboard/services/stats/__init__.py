"""Stats: every read of campaign counters, for the API and the dashboard alike.

One shape of the numbers built from `models.COUNTER_FIELDS` (`numbers.StatsSummary`), headline
numbers per period or campaign (`summary`), the overview's counts (`overview`) and the cheap reads
the live pages poll (`live`), the campaign page's chart buckets (`timeline`) and who changed a
campaign's status when (`history`, from the audit log); why a campaign is not moving and when it
should be done (`waiting`). Counters are written only by `services.events.counters`.
"""

from campaign_dashboard.services.stats.history import StatusChange, last_change, status_changes
from campaign_dashboard.services.stats.numbers import API_FIELDS, METRICS, STATS_FIELDS, StatsSummary, progress
from campaign_dashboard.services.stats.overview import StatusCount, Totals, overview_counts
from campaign_dashboard.services.stats.summary import (
    PERIODS,
    all_time_totals,
    campaign_stats,
    campaign_summary,
    period_summary,
    summary_of,
    top_links,
)
from campaign_dashboard.services.stats.timeline import Bucket, Timeline, choose_bucket, timeline

__all__ = [
    "PERIODS",
    "METRICS",
    "API_FIELDS",
    "STATS_FIELDS",
    "StatsSummary",
    "progress",
    "period_summary",
    "campaign_summary",
    "campaign_stats",
    "summary_of",
    "top_links",
    "all_time_totals",
    "Totals",
    "StatusCount",
    "overview_counts",
    "StatusChange",
    "status_changes",
    "last_change",
    "Bucket",
    "Timeline",
    "timeline",
    "choose_bucket",
]
