"""What the searchable list pages (contacts, suppressions) share, called from their states'
guarded handlers: keyset pages and the filtered CSV download; and their pager and results.

A list state keeps the cursor of each page shown so far in `cursors` ("" for the first) and the
next page's in `next_cursor`, reads the page of `cursors[-1]` with its own `_read_page`, names its
path and filters for the address with `_address()`, and resets its filters with `_reset_filters()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import reflex as rx
from sqlmodel import Session

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role
from campaign_dashboard.services.accounts import audit
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui import url_state
from campaign_dashboard.ui.components import thousands
from campaign_dashboard.ui.fields import page_buttons, pager_bar
from campaign_dashboard.ui.guard import guarded


def paging_handlers() -> tuple[Callable[..., Any], ...]:
    """`set_search`, `clear_filters`, `next_page` and `previous_page`, guarded, for a list state's
    class body (`set_search, clear_filters, next_page, previous_page = list_page.paging_handlers()`):
    the same handlers on every list page, each state's own."""

    @guarded(Role.VIEWER)
    def set_search(self, value: str):
        self.search = value
        return first_page(self)

    @guarded(Role.VIEWER)
    def clear_filters(self):
        self._reset_filters()
        return first_page(self)

    @guarded(Role.VIEWER)
    def next_page(self):
        return forward(self)

    @guarded(Role.VIEWER)
    def previous_page(self):
        return back(self)

    return set_search, clear_filters, next_page, previous_page


def export_handler(
    *, csv_text: Callable[[Session, Any], str], action: str, object_type: str, filename: str
) -> Callable[..., Any]:
    """The guarded `export_csv` of a list state: what its filters match, as `csv_text(session,
    filters)`, downloaded and recorded in the audit log as `action` (see `csv_download`)."""

    @guarded(Role.VIEWER)
    def export_csv(self):
        filters = self._filters()
        return csv_download(
            self,
            csv_text=lambda session: csv_text(session, filters),
            action=action,
            object_type=object_type,
            filters=asdict(filters),
            filename=filename,
        )

    return export_csv


def read_page(state: Any, find: Callable[..., Any], count: Callable[..., int], limit: int) -> Any:
    """The page `state.cursors[-1]` names (`find(session=, filters=, cursor=, limit=)`), with the
    filters' total (`count(session=, filters=)`, unless the first page is all there is) and the
    next cursor set on `state`; None when the session has ended (no session, no data)."""
    if not state._signed_in():
        return None
    with session_scope() as session:
        filters = state._filters()
        page = find(session=session, filters=filters, cursor=state.cursors[-1] or None, limit=limit)
        if len(state.cursors) == 1 and not page.next_cursor:
            state.total = len(page.items)  # the whole list is on this page: no need to count it again
        else:
            state.total = count(session=session, filters=filters)
    state.next_cursor = page.next_cursor or ""
    return page


def first_page(state: Any):
    """Back to the first page (the filters changed); a refused filter is a toast."""
    state.cursors = [""]
    return show(state)


def forward(state: Any):
    """The next page, if there is one."""
    if state.next_cursor:
        state.cursors = [*state.cursors, state.next_cursor]
        return show(state)
    return None


def back(state: Any):
    """The page before, if this is not the first."""
    if len(state.cursors) > 1:
        state.cursors = state.cursors[:-1]
        return show(state)
    return None


def show(state: Any):
    """Read the page the state names and put the list in the address (`url_state`): the state's
    `_address()` gives the page's path and its filters."""
    try:
        state._read_page()
    except DomainError as exc:
        return rx.toast.error(exc.message)
    path, filters = state._address()
    return url_state.show_in_address(path, {**filters, "pages": url_state.chain(state.cursors)})


def load_from_address(state: Any, filters: dict[str, str]):
    """The list a shared link, a reload or Back asks for: `filters` (read from the address by the
    state, which knows its own) are set, then the page the address names is read. A hand-edited
    address the services refuse gives the whole list instead, and says why."""
    for name, value in filters.items():
        setattr(state, name, value)
    state.cursors = url_state.cursors_from(url_state.asked(state).get("pages", ""))
    try:
        state._read_page()
        refused = None
    except DomainError as exc:
        state._reset_filters()
        state.cursors = [""]
        state._read_page()
        refused = rx.toast.error(exc.message)
    state.loaded = True
    if refused is None:
        return None
    path, _ = state._address()
    return [refused, url_state.show_in_address(path, {})]


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


def pager(state: Any, *, one: str, many: str, id_prefix: str, counted_to: int | None = None) -> rx.Component:
    """ "1,234 matching contacts · page 2" (`#{id_prefix}-total`) and Previous / Next. A list
    whose count stops at `counted_to` says "more than 10,000" past it (`state.count_stopped`)."""
    total = thousands(state.total)
    if counted_to is not None:
        total = rx.cond(state.count_stopped, f"More than {counted_to:,}", total)
    return pager_bar(
        rx.text(
            total,
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
