"""Small reusable widgets shared by the pages."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex.vars.function import FunctionStringVar

STATUS_COLORS = {
    "draft": "gray",
    "scheduled": "blue",
    "sending": "amber",
    "paused": "orange",
    "sent": "green",
    "failed": "red",
    "cancelled": "gray",
    "subscribed": "green",
    "unsubscribed": "gray",
    "bounced": "red",
    "complained": "red",
    "opted_out": "gray",
}


def status_badge(status: rx.Var[str]) -> rx.Component:
    """A coloured badge for a campaign or subscription status."""
    return rx.badge(
        status,
        color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"),
        variant="soft",
        radius="full",
        class_name="status-badge",
    )


_THOUSANDS = FunctionStringVar.create('((n) => Number(n).toLocaleString("en-US"))')


def thousands(value: rx.Var[int]) -> rx.Var[str]:
    """`1234567` shown as `1,234,567`, formatted in the browser."""
    return _THOUSANDS.call(value).to(str)


def stat_card(label: str, value: rx.Var | str, icon: str) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.icon(icon, size=22, color=rx.color("accent", 10)),
            rx.vstack(
                rx.text(label, size="2", color_scheme="gray"),
                rx.heading(value, size="6"),
                spacing="0",
            ),
            align="center",
            spacing="3",
        ),
        min_width="11em",
    )


def data_table(
    headers: list[str],
    rows: rx.Var[list],
    render_row: Callable[[rx.Var], rx.Component],
    *,
    empty: str,
    table_id: str,
) -> rx.Component:
    """A table of `rows`, or a short note saying what to do when there are none."""
    return rx.cond(
        rows.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
                rx.table.body(rx.foreach(rows, render_row)),
                variant="surface",
                size="2",
                width="100%",
                id=table_id,
            ),
            width="100%",
            overflow_x="auto",
        ),
        rx.callout(empty, icon="info", color_scheme="gray"),
    )


def campaigns_table(rows: rx.Var[list], *, channel: str, table_id: str) -> rx.Component:
    """Campaign name, status badge, recipients and sent counts, newest first as given."""

    def row(campaign: rx.Var) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(rx.text(campaign.name, weight="medium")),
            rx.table.cell(status_badge(campaign.status)),
            rx.table.cell(thousands(campaign.recipients), text_align="right"),
            rx.table.cell(thousands(campaign.sent), text_align="right"),
            rx.table.cell(thousands(campaign.delivered), text_align="right"),
            rx.table.cell(rx.text(campaign.created_at, size="2", color_scheme="gray")),
            data_status=campaign.status,
        )

    noun = "email" if channel == "email" else "SMS"
    return data_table(
        ["Name", "Status", "Recipients", "Sent", "Delivered", "Created"],
        rows,
        row,
        empty=f"No {noun} campaigns yet. Create one through the API, or run `campaign-dashboard seed-demo`.",
        table_id=table_id,
    )
