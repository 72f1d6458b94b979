"""How the campaign page's activity chart cuts time: a bucket to fit the campaign's length.

Counts are stored per minute (`CampaignStatsMinute`), the finest the chart can show. A campaign
that took three minutes is drawn minute by minute, one that ran for a week day by day: the
bucket is the smallest that keeps the chart under `MAX_BUCKETS` bars. Empty buckets are drawn as
zero (the stored series omits them), so a pause reads as a gap in the line rather than as a
straight line from before it to after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAX_BUCKETS = 120


@dataclass(frozen=True)
class Bucket:
    size: timedelta
    label: str  # the y axis' "per …"


BUCKETS = (
    Bucket(timedelta(minutes=1), "per minute"),
    Bucket(timedelta(minutes=5), "per 5 minutes"),
    Bucket(timedelta(minutes=15), "per 15 minutes"),
    Bucket(timedelta(hours=1), "per hour"),
    Bucket(timedelta(hours=6), "per 6 hours"),
    Bucket(timedelta(days=1), "per day"),
    Bucket(timedelta(days=7), "per week"),
)


@dataclass(frozen=True)
class Timeline:
    bucket: Bucket
    starts: list[datetime]  # every bucket's start in the span, oldest first (UTC)
    counts: dict[str, list[int]]  # per metric, one count per bucket


def timeline(series: dict[str, list[tuple[datetime, int]]], *, also: Sequence[datetime] = ()) -> Timeline:
    """The per-minute `series` summed into buckets fitting its span (widened to cover `also`:
    pauses and resumes to mark), empty buckets included."""
    moments = [_utc(minute) for points in series.values() for minute, _ in points] + [_utc(t) for t in also]
    if not moments:
        return Timeline(BUCKETS[0], [], {metric: [] for metric in series})
    first, last = min(moments), max(moments)
    bucket = choose_bucket(last - first)
    start, end = _floor(first, bucket.size), _floor(last, bucket.size)
    starts = [start + i * bucket.size for i in range(int((end - start) / bucket.size) + 1)]
    counts = {}
    for metric, points in series.items():
        sums = [0] * len(starts)
        for minute, count in points:
            sums[int((_floor(_utc(minute), bucket.size) - start) / bucket.size)] += count
        counts[metric] = sums
    return Timeline(bucket, starts, counts)


def choose_bucket(span: timedelta) -> Bucket:
    """The smallest bucket that cuts `span` into at most `MAX_BUCKETS` pieces."""
    return next((b for b in BUCKETS if span / b.size < MAX_BUCKETS), BUCKETS[-1])


def _floor(moment: datetime, size: timedelta) -> datetime:
    epoch = datetime(1970, 1, 5, tzinfo=UTC)  # a Monday: weeks start on Mondays
    return epoch + ((moment - epoch) // size) * size


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
