"""The list of provider events shown live on the overview and on a campaign's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import reflex as rx

from campaign_dashboard.services.stats.live import FeedEvent
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.components import iso_utc, list_card, local_time


@dataclass
class FeedRow:
    key: str
    type: str
    address: str
    detail: str
    occurred_at: str
    campaign: str = ""  # shown (with a link to its page) only on the overview
    href: str = ""


# Transactions commit out of order: an event received a moment before the newest one shown can
# become visible only later. Each read looks back this far and drops the rows already shown.
OVERLAP = timedelta(seconds=10)


def look_back(newest: datetime | None) -> datetime | None:
    return newest - OVERLAP if newest is not None else None


def newer(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((t for t in (a, b) if t is not None), default=None)


def merge(new: list[FeedRow], shown: list[FeedRow], size: int) -> list[FeedRow]:
    """The rows not shown yet on top of those shown, at most `size`."""
    seen = {row.key for row in shown}
    return ([row for row in new if row.key not in seen] + shown)[:size]


def feed_row(event: FeedEvent, campaign: str = "") -> FeedRow:
    return FeedRow(
        key=f"{event.channel}-{event.id}",
        type=event.type,
        address=event.address or "",
        detail=event.link or event.detail or "",
        occurred_at=iso_utc(event.occurred_at),
        campaign=campaign,
        href=routes.campaign_detail(event.channel, event.campaign_id) if campaign else "",
    )


def feed_item(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.badge(row.type, variant="soft", min_width="6.5em", justify="center"),
        rx.vstack(
            rx.text(row.address, size="2", weight="medium"),
            rx.cond(row.detail != "", rx.text(row.detail, size="1", color_scheme="gray", trim="both")),
            rx.cond(row.campaign != "", rx.link(row.campaign, href=row.href, size="1")),
            spacing="0",
            min_width="0",
            flex="1",
        ),
        rx.text(local_time(row.occurred_at), size="1", color_scheme="gray", white_space="nowrap"),
        align="center",
        width="100%",
        class_name="feed-item",
        data_type=row.type,
    )


def feed_card(title: str, rows: rx.Var, *, feed_id: str, empty: str) -> rx.Component:
    """The events newest first, scrolling when long."""
    # it scrolls within its card: focusable and named, so a keyboard can scroll it too
    return list_card(
        title,
        rows,
        feed_item,
        list_id=feed_id,
        empty=empty,
        max_height="36em",
        overflow_y="auto",
        tab_index=0,
        role="region",
        aria_label=title,
    )
