"""Audit log (admins only): every write, newest first, filtered by actor, action, object and dates.

Like Settings, the page refuses everyone else on the server: its load and every filter or page
change ask for the admin role again, and the rows are emptied for anyone else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role
from campaign_dashboard.services.accounts import audit
from campaign_dashboard.services.errors import DomainError, ValidationFailed
from campaign_dashboard.ui import routes, url_state
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import admin_only, data_table, iso_utc, local_time
from campaign_dashboard.ui.fields import clear_button, filter_bar, filter_field, page_buttons, pager_bar, select
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.layout import dashboard_page

PAGE_SIZE = 50
ANY = "any"  # the "no filter" choice of the action select


@dataclass
class AuditRow:
    id: int
    at: str
    actor: str
    action: str
    object: str
    client: str
    detail: str


FILTERS = ("actor", "action", "object_type", "object_id", "since", "until")


class AuditLogState(AuthState):
    access: str = ""  # "" until the load decided; then "admin" or "refused"
    rows: list[AuditRow] = []
    actions: list[str] = []
    actor: str = ""
    action: str = ANY
    object_type: str = ""
    object_id: str = ""
    since: str = ""  # YYYY-MM-DD from a date input, read as UTC days
    until: str = ""
    cursors: list[str] = [""]
    next_cursor: str = ""

    @rx.var
    def page_number(self) -> int:
        return len(self.cursors)

    def _filters(self) -> audit.AuditFilters:
        until = _day(self.until, "until")
        return audit.AuditFilters(
            actor=self.actor,
            action="" if self.action == ANY else self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            since=_day(self.since, "since"),
            until=until + timedelta(days=1) - timedelta(microseconds=1) if until else None,
        )

    def _show(self):
        """Read the current page and put the list in the address (every caller is admin-guarded)."""
        try:
            self._read()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        filters = {name: getattr(self, name) for name in FILTERS}
        filters["action"] = "" if self.action == ANY else self.action
        return url_state.show_in_address(routes.AUDIT_LOG, {**filters, "pages": url_state.chain(self.cursors)})

    def _read(self) -> None:
        self.access = "admin"
        with session_scope() as session:
            page = audit.list_entries(
                session, filters=self._filters(), cursor=self.cursors[-1] or None, limit=PAGE_SIZE
            )
            self.actions = audit.actions(session)
        self.next_cursor = page.next_cursor or ""
        self.rows = [_row(entry) for entry in page.items]

    def _first_page(self):
        self.cursors = [""]
        return self._show()

    @guarded(Role.VIEWER)
    def load(self):
        """Any signed-in user may open the page; only an admin's reads the log."""
        if self.role != Role.ADMIN.value:  # the guard has just read the role from the database
            self.access, self.rows, self.actions, self.next_cursor = "refused", [], [], ""
            return rx.toast.error(f"This needs the admin role; you are {self.role}.")
        asked = url_state.asked(self)  # the filters and page of the address (a link, a reload, Back)
        for name in FILTERS:
            setattr(self, name, asked.get(name, ""))
        self.action = self.action or ANY
        self.cursors = url_state.cursors_from(asked.get("pages", ""))
        try:
            self._read()
        except DomainError as exc:  # a hand-edited address: the whole log instead
            self._reset_filters()
            return [rx.toast.error(exc.message), self._first_page()]
        return None

    @guarded(Role.ADMIN)
    def set_filter(self, name: str, value: str):
        if name in FILTERS:
            setattr(self, name, value)
        return self._first_page()

    @guarded(Role.ADMIN)
    def clear_filters(self):
        self._reset_filters()
        return self._first_page()

    def _reset_filters(self) -> None:
        self.actor = self.object_type = self.object_id = self.since = self.until = ""
        self.action = ANY

    @guarded(Role.ADMIN)
    def next_page(self):
        if self.next_cursor:
            self.cursors = [*self.cursors, self.next_cursor]
            return self._show()
        return None

    @guarded(Role.ADMIN)
    def previous_page(self):
        if len(self.cursors) > 1:
            self.cursors = self.cursors[:-1]
            return self._show()
        return None


def _day(value: str, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
    except ValueError:
        raise ValidationFailed(
            f"{field} must be a date (YYYY-MM-DD).", details=[{"field": field, "message": "not a date"}]
        ) from None


def _row(entry) -> AuditRow:
    subject = " ".join(p for p in (entry.object_type, entry.object_id) if p)
    return AuditRow(
        id=entry.id,
        at=iso_utc(entry.at),
        actor=entry.actor_label or "(unknown)",
        action=entry.action,
        object=subject,
        client=entry.client_address or "",
        detail=json.dumps(entry.detail, sort_keys=True) if entry.detail else "",
    )


def audit_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(local_time(row.at), white_space="nowrap"),
        rx.table.cell(row.actor),
        rx.table.cell(rx.code(row.action)),
        rx.table.cell(row.object, overflow_wrap="anywhere"),
        rx.table.cell(row.client, overflow_wrap="anywhere"),
        rx.table.cell(rx.text(row.detail, size="1", color_scheme="gray", overflow_wrap="anywhere")),
    )


def filter_input(name: str, control_id: str, **props) -> rx.Component:
    """A text or date filter; typing re-reads the first page."""
    s = AuditLogState
    return rx.input(value=getattr(s, name), on_change=lambda v: s.set_filter(name, v), id=control_id, **props)


def filters_bar() -> rx.Component:
    s = AuditLogState
    typed = {"debounce_timeout": 300}
    action = select(
        [rx.select.item(ANY, value=ANY), rx.foreach(s.actions, lambda a: rx.select.item(a, value=a))],
        s.action,
        lambda v: s.set_filter("action", v),
        id="audit-action",
        min_width="12em",
    )
    return filter_bar(
        filter_field(
            "Actor", filter_input("actor", "audit-actor", placeholder="email or token name", **typed), "audit-actor"
        ),
        filter_field("Action", action, "audit-action"),
        filter_field(
            "Object",
            rx.hstack(
                filter_input("object_type", "audit-object-type", placeholder="type, e.g. email_campaign", **typed),
                filter_input(
                    "object_id", "audit-object-id", placeholder="id", width="6em", aria_label="Object id", **typed
                ),
            ),
            "audit-object-type",
        ),
        filter_field("From", filter_input("since", "audit-since", type="date"), "audit-since"),
        filter_field("To", filter_input("until", "audit-until", type="date"), "audit-until"),
        clear_button(s.clear_filters),
    )


def pager() -> rx.Component:
    s = AuditLogState
    return pager_bar(
        rx.text("Newest first · page ", s.page_number, color_scheme="gray", size="2"),
        page_buttons("audit", s),
    )


@dashboard_page(route=routes.AUDIT_LOG, title="Audit log", on_load=AuditLogState.load)
def audit_log_page() -> rx.Component:
    return admin_only(
        AuditLogState.access,
        rx.vstack(
            filters_bar(),
            pager(),
            data_table(
                ["Time", "Actor", "Action", "Object", "Client", "Detail"],
                AuditLogState.rows,
                audit_row,
                empty="Nothing recorded matches these filters.",
                table_id="audit-log",
            ),
            width="100%",
            spacing="4",
        ),
        refusal="Only admins can read the audit log.",
        refusal_id="audit-refused",
    )
