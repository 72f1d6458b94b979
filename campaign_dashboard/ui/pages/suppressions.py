"""Suppressions: the addresses no campaign may reach. Everyone may search and export them;
marketers and admins add one with a reason, and remove one where the consent rules allow (the
refusal says why in words)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import reflex as rx
from sqlmodel import Session

from campaign_dashboard.models import Channel, Role, Suppression, id_of
from campaign_dashboard.services.accounts import audit
from campaign_dashboard.services.audience import suppression_list
from campaign_dashboard.services.audience.suppression_list import SuppressionFilter
from campaign_dashboard.ui import list_page, routes, url_state
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import data_table, iso_utc, local_time, row_button
from campaign_dashboard.ui.confirm import reason_dialog
from campaign_dashboard.ui.consent_history import dashboard_source
from campaign_dashboard.ui.fields import ANY, any_select, clear_button, filter_bar, filter_field
from campaign_dashboard.ui.form_dialog import Field, form_dialog, submit
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.layout import dashboard_page

PAGE_SIZE = 50
CHANNELS = [c.value for c in Channel]
ADD_FIELDS = ("channel", "address", "reason")


@dataclass
class SuppressionRow:
    id: int
    address: str
    channel: str
    reason: str
    source: str
    since: str  # ISO UTC


def _row(row: Suppression) -> SuppressionRow:
    return SuppressionRow(
        id=id_of(row),
        address=row.address,
        channel=row.channel,
        reason=suppression_list.reason_words(row.reason),
        source=row.source,
        since=iso_utc(row.created_at),
    )


class SuppressionsState(AuthState):
    rows: list[SuppressionRow] = []
    total: int = 0
    search: str = ""
    channel: str = ANY
    cursors: list[str] = [""]  # keyset pages shown so far ("" for the first), as on the contacts page
    next_cursor: str = ""
    loaded: bool = False
    creating: bool = False  # the add dialog (`form_dialog`'s names)
    errors: dict[str, str] = {}
    removing_id: int = 0  # the row whose removal is being asked about (0: none)
    removing_address: str = ""
    remove_errors: dict[str, str] = {}

    @rx.var
    def page_number(self) -> int:
        return len(self.cursors)

    @rx.var
    def filtered(self) -> bool:
        return bool(self.search.strip()) or self.channel != ANY

    @rx.var
    def removing(self) -> bool:
        return self.removing_id != 0

    def _filters(self) -> SuppressionFilter:
        return SuppressionFilter(search=self.search, channel="" if self.channel == ANY else self.channel)

    def _read_page(self) -> None:
        find, count = suppression_list.search_suppressions, suppression_list.count_suppressions
        page = list_page.read_page(self, find, count, PAGE_SIZE)
        if page is not None:
            self.rows = [_row(r) for r in page.items]

    def _first_page(self):
        return list_page.first_page(self)

    def _address(self) -> tuple[str, dict[str, str]]:
        return routes.SUPPRESSIONS, {"q": self.search.strip(), "channel": "" if self.channel == ANY else self.channel}

    def _reset_filters(self) -> None:
        self.search, self.channel = "", ANY

    @guarded(Role.VIEWER)
    def load(self):
        """The list the address asks for (a shared link, a reload, or Back)."""
        self.creating, self.errors, self.removing_id, self.remove_errors = False, {}, 0, {}
        asked = url_state.asked(self)
        channel = asked.get("channel", "")
        return list_page.load_from_address(
            self, {"search": asked.get("q", ""), "channel": channel if channel in CHANNELS else ANY}
        )

    @guarded(Role.VIEWER)
    def set_channel(self, value: str):
        self.channel = value if value in CHANNELS else ANY
        return self._first_page()

    set_search, clear_filters, next_page, previous_page = list_page.paging_handlers()

    export_csv = list_page.export_handler(
        csv_text=lambda session, filters: suppression_list.suppressions_csv(session=session, filters=filters),
        action=audit.SUPPRESSIONS_EXPORT,
        object_type="suppressions",
        filename="suppressions.csv",
    )

    @guarded(Role.MARKETER)
    def open_create(self, value: bool = True):
        self.creating, self.errors = value, {}

    @guarded(Role.MARKETER, writes=True)
    def create(self, form: dict):
        source = dashboard_source(self._user(), self.router.session.client_ip)
        if source is None:
            return None

        def add(session: Session) -> str:
            row, _ = suppression_list.suppress_address(
                session=session,
                channel=str(form.get("channel") or ""),
                address=str(form.get("address") or ""),
                reason=str(form.get("reason") or ""),
                source=source,
            )
            return row.address

        address, self.errors = submit(ADD_FIELDS, add)
        if address is None:
            return rx.toast.error("Nothing was added: see the form.")  # a refusal is not a write to record
        self.creating = False
        self._first_page()
        return rx.toast.success(f"{address} is suppressed: no campaign will reach it.")

    @guarded(Role.MARKETER)
    def ask_remove(self, suppression_id: int):
        row = next((r for r in self.rows if r.id == suppression_id), None)
        self.removing_id, self.removing_address = (suppression_id, row.address) if row else (0, "")
        self.remove_errors = {}

    @guarded(Role.MARKETER)
    def close_remove(self, value: bool = False):
        if not value:
            self.removing_id, self.removing_address, self.remove_errors = 0, "", {}

    @guarded(Role.MARKETER, writes=True)
    def remove(self, suppression_id: int, form: dict):
        source = dashboard_source(self._user(), self.router.session.client_ip)
        if source is None:
            return None

        def lift(session: Session) -> str:
            row = suppression_list.lift_suppression(
                session=session, suppression_id=suppression_id, reason=str(form.get("reason") or ""), source=source
            )
            return row.address

        address, self.remove_errors = submit(("reason",), lift)
        if address is None:
            return rx.toast.error(next(iter(self.remove_errors.values()), "Not removed."))
        self.removing_id, self.removing_address = 0, ""
        self._read_page()
        return rx.toast.success(f"{address} is no longer suppressed.")


def suppression_row(row: rx.Var) -> rx.Component:
    s = SuppressionsState
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row.address, weight="medium")),
        rx.table.cell(rx.badge(row.channel, variant="outline")),
        rx.table.cell(rx.text(row.reason, size="2")),
        rx.table.cell(rx.text(row.source, size="1", color_scheme="gray", word_break="break-all")),
        rx.table.cell(local_time(row.since), white_space="nowrap"),
        rx.table.cell(
            rx.cond(
                AuthState.can_write,
                row_button(
                    "Remove",
                    color_scheme="red",
                    on_click=s.ask_remove(row.id),
                    class_name="remove-suppression",
                    aria_label="Remove the suppression of " + row.address,
                ),
            )
        ),
        class_name="suppression-row",
        data_address=row.address,
    )


def add_dialog() -> rx.Component:
    return form_dialog(
        SuppressionsState,
        form_id="add-suppression",
        title="Add a suppression",
        description="No campaign will reach the address; contacts holding it are unsubscribed on that channel.",
        fields=[
            Field("channel", "Channel", partial(rx.select, CHANNELS, default_value=Channel.EMAIL.value)),
            Field(
                "address",
                "Address",
                partial(rx.input, placeholder="name@example.com or +14155550123"),
                "An email address, or a phone number with its country code.",
            ),
            Field(
                "reason",
                "Reason",
                partial(rx.input, placeholder="e.g. asked us by phone", max_length=suppression_list.MAX_REASON),
                "Kept with the address and in the consent history.",
            ),
        ],
        submit="Add suppression",
    )


def remove_dialog() -> rx.Component:
    s = SuppressionsState
    return reason_dialog(
        is_open=s.removing,
        on_open_change=s.close_remove,
        title=rx.fragment("Remove the suppression of ", s.removing_address, "?"),
        description="Campaigns may reach the address again, and contacts holding it get the channel back."
        " Say why: the reason is kept in their consent history.",
        action="Remove",
        on_submit=s.remove(s.removing_id),
        errors=s.remove_errors,
        form_id="remove-suppression",
    )


def filters_bar() -> rx.Component:
    s = SuppressionsState
    search = rx.input(
        rx.input.slot(rx.icon("search", size=16)),
        placeholder="Part of an address",
        value=s.search,
        on_change=s.set_search,
        debounce_timeout=300,
        id="suppression-search",
        width="18em",
    )
    channel = any_select(CHANNELS, s.channel, s.set_channel, "filter-channel", min_width="8em")
    return filter_bar(
        filter_field("Search", search, "suppression-search"),
        filter_field("Channel", channel, "filter-channel"),
        rx.cond(s.filtered, clear_button(s.clear_filters)),
        rx.spacer(),
        rx.button(
            rx.icon("download", size=16), "Export CSV", on_click=s.export_csv, variant="soft", id="export-suppressions"
        ),
        rx.cond(
            AuthState.can_write,
            rx.button(rx.icon("ban", size=16), "Add suppression", on_click=s.open_create(True), id="add-suppression"),
        ),
    )


@dashboard_page(route=routes.SUPPRESSIONS, title="Suppressions", on_load=SuppressionsState.load)
def suppressions_page() -> rx.Component:
    s = SuppressionsState
    return rx.vstack(
        filters_bar(),
        list_page.pager(s, one="suppression", many="suppressions", id_prefix="suppressions"),
        list_page.results(
            s,
            data_table(
                ["Address", "Channel", "Reason", "Source", "Since", ""],
                s.rows,
                suppression_row,
                empty="No suppressed addresses. Bounces, complaints, unsubscribes and STOPs land here.",
                table_id="suppressions",
            ),
            none_match="No suppression matches. Change the search or clear the filters.",
            none_match_id="suppressions-none-match",
        ),
        add_dialog(),
        remove_dialog(),
        width="100%",
        spacing="4",
    )
