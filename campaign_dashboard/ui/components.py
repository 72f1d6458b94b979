"""Small reusable widgets shared by the pages."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex.vars import StringVar
from reflex.vars.function import FunctionStringVar

from campaign_dashboard.ui.auth import AuthState

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
    # a recipient's delivery state
    "pending": "gray",
    "claimed": "amber",
    "delivered": "teal",
    "opened": "blue",
    "clicked": "violet",
}


def soft_badge(*children: rx.Component | rx.Var | str, color_scheme, **props) -> rx.Component:
    """A soft badge; `high_contrast` since the soft colours' own text is too faint at this size (WCAG AA)."""
    return rx.badge(*children, color_scheme=color_scheme, variant="soft", high_contrast=True, **props)


def status_badge(status: rx.Var[str]) -> rx.Component:
    """A coloured badge for a campaign or subscription status."""
    color = rx.match(status, *STATUS_COLORS.items(), "gray")
    return soft_badge(status, color_scheme=color, radius="full", class_name="status-badge")


def row_button(label: str, **props) -> rx.Component:
    """A table row's small button (revoke, deactivate, delete)."""
    return rx.button(label, size="1", variant="soft", **props)


_THOUSANDS: FunctionStringVar = FunctionStringVar.create('((n) => Number(n).toLocaleString("en-US"))')


def thousands(value: rx.Var[int]) -> StringVar:
    """`1234567` shown as `1,234,567`, formatted in the browser."""
    return _THOUSANDS.call(value).to(str)


_LOCAL_TIME: FunctionStringVar = FunctionStringVar.create(
    "((iso) => iso ? new Date(iso).toLocaleString(undefined, "
    '{year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"}) : "")'
)
_PERCENT: FunctionStringVar = FunctionStringVar.create(
    '((part, whole) => whole > 0 ? (100 * part / whole).toFixed(1) + "%" : "–")'
)


def local_time(iso: rx.Var[str]) -> StringVar:
    """An ISO-8601 UTC timestamp shown in the browser's own time zone and locale."""
    return _LOCAL_TIME.call(iso).to(str)


def percent(part: rx.Var[int], whole: rx.Var[int]) -> StringVar:
    """`part / whole` as a percentage with one decimal (`41.3%`), or a dash when `whole` is 0."""
    return _PERCENT.call(part, whole).to(str)


def iso_utc(value) -> str:
    """A datetime as the ISO string `local_time` expects ("" for none)."""
    return value.isoformat() if value else ""


def field_label(text: str | rx.Var[str], control_id: str) -> rx.Component:
    """A `<label for=control_id>`: screen readers name the field by it, and a click focuses it.
    (`rx.text(as_="label", html_for=...)` turns `html_for` into a CSS property, naming nothing.)"""
    return rx.el.label(rx.text(text, size="2", weight="medium"), html_for=control_id)


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
        table(headers, rows, render_row, table_id=table_id),
        rx.callout(empty, icon="info", color_scheme="gray"),
    )


def table(
    headers: list[str], rows: rx.Var[list], render_row: Callable[[rx.Var], rx.Component], *, table_id: str
) -> rx.Component:
    """A table of `rows` under a header row, scrolling sideways on a narrow screen."""
    return rx.box(
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
    )


def section(title: str, action: rx.Component, *children: rx.Component) -> rx.Component:
    """A titled part of a page (an h2) with its `action` button on the right of the title."""
    return rx.vstack(
        rx.hstack(
            rx.heading(title, size="5", as_="h2"),
            rx.spacer(),
            action,
            width="100%",
            align="center",
        ),
        *children,
        spacing="3",
        width="100%",
    )


def back_link(label: str, href: str) -> rx.Component:
    """`← All contacts`: the way back from a detail page to its list."""
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=16), rx.text(label), align="center", spacing="1"),
        href=href,
        size="2",
    )


def found_or_message(found: rx.Var[bool], message: rx.Var[str], content: rx.Component) -> rx.Component:
    """A detail page's body: `content` once loaded, why not (`message`), or a spinner meanwhile."""
    return rx.cond(
        found,
        content,
        rx.cond(
            message != "",
            rx.callout(message, icon="circle-alert", color_scheme="orange", id="not-found"),
            rx.spinner(size="3"),
        ),
    )


def loading() -> rx.Component:
    """What a page shows until its first read is done."""
    return rx.center(rx.spinner(size="3"), padding="3em")


def admin_only(access: rx.Var[str], content: rx.Component, *, refusal: str, refusal_id: str) -> rx.Component:
    """An admin page's body: `content` once its load said "admin" (to an admin), the refusal once
    it said "refused", a spinner until then. (The load keeps the data from others; this only keeps
    a previous admin's data in this tab out of sight.)"""
    return rx.cond(
        (access == "admin") & AuthState.is_admin,
        content,
        rx.cond(
            access == "refused",
            rx.callout(refusal, icon="shield-alert", color_scheme="red", id=refusal_id),
            loading(),
        ),
    )


def list_card(
    title: str,
    rows: rx.Var[list],
    render_row: Callable[[rx.Var], rx.Component],
    *,
    list_id: str,
    empty: str,
    **list_props,
) -> rx.Component:
    """A titled card listing `rows`, or a short note saying what to expect when there are none."""
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4"),
            rx.cond(
                rows.length() > 0,
                rx.vstack(rx.foreach(rows, render_row), spacing="3", width="100%", id=list_id, **list_props),
                rx.text(empty, size="2", color_scheme="gray", id=f"{list_id}-empty"),
            ),
            width="100%",
        ),
        width="100%",
    )
