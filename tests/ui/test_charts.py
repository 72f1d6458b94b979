"""The campaign page's figures: what they draw from the numbers they are given."""

from __future__ import annotations

from datetime import UTC, datetime

from campaign_dashboard.ui import charts


def test_activity_is_drawn_in_the_viewers_time_zone_per_metric():
    minute = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    fig = charts.activity_figure({"sent": [(minute, 120)], "opened": [(minute, 7)]}, timezone="America/New_York")
    assert [t.name for t in fig.data] == ["Sent", "Opened"]
    assert list(fig.data[0].x) == ["2026-11-20 10:30"] and list(fig.data[0].y) == [120]
    assert list(charts.activity_figure({"sent": [(minute, 1)]}, timezone="Nowhere/Else").data[0].x) == [
        "2026-11-20 15:30"
    ]


def test_the_funnel_shows_each_step_with_its_share_of_the_recipients():
    fig = charts.funnel_figure([("Recipients", 2000), ("Sent", 1990), ("Delivered", 1900), ("Opened", 500)])
    bar = fig.data[0]
    assert list(bar.y) == ["Recipients", "Sent", "Delivered", "Opened"]
    assert list(bar.text) == ["2,000 (100.0%)", "1,990 (99.5%)", "1,900 (95.0%)", "500 (25.0%)"]
    assert list(charts.funnel_figure([("Recipients", 0), ("Sent", 0)]).data[0].text) == ["0", "0"]


def test_top_links_keep_the_full_link_for_the_hover_and_shorten_the_label():
    long = "https://example.com/" + "a" * 60
    fig = charts.links_figure([(long, 9), ("https://example.com/sale", 3)])
    bar = fig.data[0]
    assert list(bar.x) == [9, 3] and list(bar.customdata) == [long, "https://example.com/sale"]
    assert bar.y[0].endswith("…") and len(bar.y[0]) == 40 and bar.y[1] == "example.com/sale"
