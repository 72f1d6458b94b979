"""Stats: every read of campaign counters, for the API and the dashboard alike.

Headline numbers per period or campaign (`summary`) and the cheap reads the live pages poll
(`live`). Counters are written only by `services.events.counters`.
"""

from campaign_dashboard.services.stats.summary import (
    METRICS,
    PERIODS,
    StatsSummary,
    all_time_totals,
    campaign_summary,
    period_summary,
    summary_of,
    top_links,
)

__all__ = [
    "PERIODS",
    "METRICS",
    "StatsSummary",
    "period_summary",
    "campaign_summary",
    "summary_of",
    "top_links",
    "all_time_totals",
]
