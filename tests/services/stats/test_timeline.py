"""The activity chart's buckets: a short campaign is drawn by the minute, a long one by the hour
or day, with empty buckets as zeros (a pause is a gap, not a straight line across it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaign_dashboard.services.stats import choose_bucket, timeline

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def minute(offset: int) -> datetime:
    return T0 + timedelta(minutes=offset)


def test_a_campaign_of_a_few_minutes_is_drawn_minute_by_minute_with_its_gaps_as_zeros():
    line = timeline({"sent": [(minute(0), 40), (minute(1), 35), (minute(4), 10)], "delivered": [(minute(1), 70)]})
    assert line.bucket.label == "per minute"
    assert line.starts == [minute(i) for i in range(5)]
    assert line.counts == {"sent": [40, 35, 0, 0, 10], "delivered": [0, 70, 0, 0, 0]}


def test_a_one_minute_campaign_has_one_minute_bucket():
    line = timeline({"sent": [(minute(0), 12)], "opened": []})
    assert line.starts == [minute(0)]
    assert line.counts == {"sent": [12], "opened": [0]}


def test_a_pause_outside_the_counted_minutes_widens_the_span_to_show_it():
    line = timeline({"sent": [(minute(0), 5)]}, also=[minute(3)])
    assert line.starts == [minute(i) for i in range(4)]
    assert line.counts["sent"] == [5, 0, 0, 0]


def test_a_day_long_campaign_is_summed_by_the_quarter_hour_and_a_week_by_the_hour_or_more():
    line = timeline({"opened": [(minute(0), 1), (minute(14), 2), (minute(15), 4), (minute(24 * 60), 8)]})
    assert line.bucket.label == "per 15 minutes"
    assert line.counts["opened"][:2] == [3, 4] and line.counts["opened"][-1] == 8
    assert sum(line.counts["opened"]) == 15
    assert len(line.starts) == 24 * 4 + 1
    assert choose_bucket(timedelta(days=4)).label == "per hour"
    assert choose_bucket(timedelta(days=20)).label == "per 6 hours"
    assert choose_bucket(timedelta(days=90)).label == "per day"


def test_nothing_counted_yet_gives_an_empty_timeline():
    line = timeline({"sent": [], "delivered": []})
    assert line.starts == [] and line.counts == {"sent": [], "delivered": []}
