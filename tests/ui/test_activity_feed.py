"""The live feeds re-read a little of the past each time (late commits) and never show a row twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaign_dashboard.ui.activity_feed import FeedRow, look_back, merge, newer


def row(key: str) -> FeedRow:
    return FeedRow(key=key, type="opened", address=f"{key}@example.com", detail="", occurred_at="")


def test_rows_already_shown_are_dropped_and_new_ones_go_on_top_up_to_the_size():
    shown = [row("email-3"), row("email-2"), row("email-1")]
    merged = merge([row("email-5"), row("email-4"), row("email-3"), row("email-2")], shown, 4)
    assert [r.key for r in merged] == ["email-5", "email-4", "email-3", "email-2"]
    assert merge([], shown, 10) == shown


def test_reads_look_back_and_the_newest_time_never_moves_backwards():
    t = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert look_back(t) == t - timedelta(seconds=10) and look_back(None) is None
    assert newer(t, t - timedelta(seconds=3)) == t and newer(None, t) == t and newer(None, None) is None
