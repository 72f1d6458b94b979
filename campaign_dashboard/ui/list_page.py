"""What the searchable list pages (contacts, suppressions) share, called from their states'
guarded handlers: keyset pages and the filtered CSV download; and their pager and results.

A list state keeps the cursor of each page shown so far in `cursors` ("" for the first) and the
next page's in `next_cursor`, and reads the page of `cursors[-1]` with its own `_read_page`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from campaign_dashboard.db import session_scope
from campaign_dashboard.services.accounts import audit
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui.components import thousands
from campaign_dashboard.ui.fields import page_buttons, pager_bar


def first_page(state: Any):
    """Back to the first page (the filters changed); a refused filter is a toast."""
    state.cursors = [""]
    try:
        state._read_page()
    except DomainError as exc:
        return rx.toast.error(exc.message)
    return None


def next_page(state: Any) -> None:
    if state.next_cursor:
        state.cursors = [*state.cursors, state.next_cursor]
        state._read_page()


def previous_page(state: Any) -> None:
    if len(state.cursors) > 1:
        state.cursors = state.cursors[:-1]
        state._read_page()


def csv_download(
    state: Any, *, csv_text: Callable[[Session], str], action: str, object_type: str, filters: dict, filename: str
):
    """The CSV of what the filters match, as a download, recorded in the audit log as `action`
    with the filters used (an export hands out data in bulk, so the log says who took it)."""
    user = state._user()  # the audit log's actor, read before the export's session opens
    try:
        with session_scope() as session:
            text = csv_text(session)
            audit.record(
                session,
                actor_user_id=user.id if user else None,
                action=action,
                object_type=object_type,
                client_address=state.router.session.client_ip or None,
                detail={"filters": {k: v for k, v in filters.items() if v}},
            )
    except DomainError as exc:
        return rx.toast.error(exc.message)
    return rx.download(data=text, filename=filename, mime_type="text/csv")


def pager(state: Any, *, one: str, many: str, id_prefix: str) -> rx.Component:
    """ "1,234 matching contacts · page 2" (`#{id_prefix}-total`) and Previous / Next."""
    return pager_bar(
        rx.text(
            thousands(state.total),
            rx.cond(state.filtered, " matching", ""),
            rx.cond(state.total == 1, f" {one}", f" {many}"),
            " · page ",
            state.page_number,
            color_scheme="gray",
            size="2",
            id=f"{id_prefix}-total",
        ),
        page_buttons(id_prefix, state),
    )


def results(state: Any, table: rx.Component, *, none_match: str, none_match_id: str) -> rx.Component:
    """A spinner until the first page is read, then `table`, or `none_match` when the filters
    match nothing."""
    return rx.cond(
        ~state.loaded,
        rx.spinner(size="3"),
        rx.cond(
            state.filtered & (state.total == 0),
            rx.callout(none_match, icon="search-x", color_scheme="gray", id=none_match_id),
            table,
        ),
    )
