"""The activity chart reads right at any length: ticks at whole bucket starts (never a millisecond
axis for a one-minute campaign), empty minutes as zeros, pauses and resumes as marked lines."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from campaign_dashboard.ui import charts

T0 = datetime(2026, 11, 20, 4, 38, tzinfo=UTC)
SUB_MINUTE = re.compile(r"\d:\d\d:\d\d|\.\d")


def test_a_one_minute_campaign_has_minute_ticks_and_a_range_of_one_bucket():
    fig = charts.activity_figure({"sent": [(T0, 50)], "delivered": [(T0, 48)]})
    axis = fig.layout.xaxis
    assert list(axis.ticktext) == ["Nov 20 04:38"]
    assert not any(SUB_MINUTE.search(text) for text in axis.ticktext)
    assert list(axis.range) == ["2026-11-20 04:38:00", "2026-11-20 04:39:00"]
    assert fig.layout.yaxis.title.text == "per minute"


def test_a_few_minutes_with_a_pause_show_zeros_and_the_pause_and_resume_marked():
    series = {"sent": [(T0, 40), (T0 + timedelta(minutes=4), 30)]}
    marks = [(T0 + timedelta(minutes=1, seconds=10), "pause"), (T0 + timedelta(minutes=3, seconds=50), "resume")]
    fig = charts.activity_figure(series, marks=marks, timezone="Europe/Paris")
    assert list(fig.data[0].y) == [40, 0, 0, 0, 30]
    assert fig.data[0].x[0] == "2026-11-20 05:38"  # Paris is UTC+1 in November
    assert [s.x0 for s in fig.layout.shapes] == ["2026-11-20 05:39:10", "2026-11-20 05:41:50"]
    assert [a.text for a in fig.layout.annotations] == ["Paused", "Resumed"]
    assert list(fig.layout.xaxis.ticktext) == ["Nov 20 05:38", "05:39", "05:40", "05:41", "05:42"]


def test_a_week_of_clicks_is_drawn_by_the_hour_or_more_with_at_most_eight_ticks():
    series = {"clicked": [(T0 + timedelta(hours=h), 1) for h in range(0, 24 * 7, 5)]}
    fig = charts.activity_figure(series)
    assert fig.layout.yaxis.title.text == "per 6 hours"
    assert 1 < len(fig.layout.xaxis.ticktext) <= charts.MAX_TICKS
    assert not any(SUB_MINUTE.search(text) for text in fig.layout.xaxis.ticktext)
    assert sum(fig.data[0].y) == len(series["clicked"])


def test_a_pause_late_in_the_only_minute_is_drawn_inside_the_chart():
    pause = T0 + timedelta(seconds=50)
    fig = charts.activity_figure({"sent": [(T0, 9)]}, marks=[(pause, "pause")])
    start, end = fig.layout.xaxis.range
    assert start <= fig.layout.shapes[0].x0 <= end
    assert fig.layout.shapes[0].x0 == "2026-11-20 04:38:50"
