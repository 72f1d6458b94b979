"""Contacts: search and filter the audience, page through it, export it, import a CSV."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role, id_of
from campaign_dashboard.services.accounts import audit
from campaign_dashboard.services.audience import contact_search, search_index
from campaign_dashboard.services.audience.contact_search import ContactFilter
from campaign_dashboard.services.audience.csv_export import contacts_csv
from campaign_dashboard.ui import list_page, routes, url_state
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import data_table, status_badge
from campaign_dashboard.ui.contact_import import import_dialog
from campaign_dashboard.ui.fields import ANY, any_select, clear_button, filter_bar, filter_field
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.layout import dashboard_page

PAGE_SIZE = 50
FILTERS = ("email_status", "sms_status", "tag")  # the selects; `set_filter` sets only these


@dataclass
class ContactRow:
    id: int
    name: str
    email: str
    phone: str
    tags: str
    email_status: str
    sms_status: str
    href: str


class ContactsState(AuthState):
    rows: list[ContactRow] = []
    total: int = 0
    search: str = ""
    email_status: str = ANY
    sms_status: str = ANY
    tag: str = ANY
    tag_choices: list[str] = []
    # Keyset pagination: the cursor of each page shown so far ("" for the first), and the next one.
    cursors: list[str] = [""]
    next_cursor: str = ""
    loaded: bool = False

    @rx.var
    def page_number(self) -> int:
        return len(self.cursors)

    @rx.var
    def count_stopped(self) -> bool:
        """A search's count stops past SEARCH_COUNT_LIMIT (contact_search.count_contacts)."""
        return bool(self.search.strip()) and self.total > contact_search.SEARCH_COUNT_LIMIT

    @rx.var
    def short_search(self) -> bool:
        """One or two characters search the start of emails and names (contacts.matches_search)."""
        return 0 < len(self.search.strip()) < search_index.TRIGRAM

    @rx.var
    def filtered(self) -> bool:
        return bool(self.search.strip()) or any(v != ANY for v in (self.email_status, self.sms_status, self.tag))

    def _filters(self) -> ContactFilter:
        return ContactFilter(
            search=self.search,
            email_status="" if self.email_status == ANY else self.email_status,
            sms_status="" if self.sms_status == ANY else self.sms_status,
            tag="" if self.tag == ANY else self.tag,
        )

    def _read_page(self) -> None:
        page = list_page.read_page(self, contact_search.find_contacts, contact_search.count_contacts, PAGE_SIZE)
        if page is None:
            return
        self.rows = [
            ContactRow(
                id=id_of(c),
                name=f"{c.first_name} {c.last_name}".strip(),
                email=c.email or "",
                phone=c.phone or "",
                tags=", ".join(page.tags.get(id_of(c), [])),
                email_status=c.email_status,
                sms_status=c.sms_status,
                href=routes.contact_detail(id_of(c)),
            )
            for c in page.items
        ]

    def _first_page(self):
        return list_page.first_page(self)

    def _address(self) -> tuple[str, dict[str, str]]:
        filters = {name: "" if getattr(self, name) == ANY else getattr(self, name) for name in FILTERS}
        return routes.CONTACTS, {"q": self.search.strip(), **filters}

    def _reset_filters(self) -> None:
        self.search, self.email_status, self.sms_status, self.tag = "", ANY, ANY, ANY

    @guarded(Role.VIEWER)
    def load(self):
        """The list the address asks for (a shared link, a reload, or Back from a contact)."""
        with session_scope() as session:
            self.tag_choices = contact_search.all_tags(session=session)
        asked = url_state.asked(self)
        filters = {name: asked.get(name) or ANY for name in FILTERS}
        return list_page.load_from_address(self, {"search": asked.get("q", ""), **filters})

    @guarded(Role.VIEWER)
    def set_filter(self, name: str, value: str):
        if name in FILTERS:
            setattr(self, name, value)
        return self._first_page()

    set_search, clear_filters, next_page, previous_page = list_page.paging_handlers()

    export_csv = list_page.export_handler(
        csv_text=lambda session, filters: contacts_csv(session=session, filters=filters),
        action=audit.CONTACTS_EXPORT,
        object_type="contacts",
        filename="contacts.csv",
    )


def contact_row(contact: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(rx.cond(contact.name != "", contact.name, "(no name)"), href=contact.href, weight="medium"),
        ),
        rx.table.cell(contact.email),
        rx.table.cell(contact.phone, white_space="nowrap"),
        rx.table.cell(rx.text(contact.tags, size="2", color_scheme="gray")),
        rx.table.cell(status_badge(contact.email_status)),
        rx.table.cell(status_badge(contact.sms_status)),
    )


def choice_filter(label: str, name: str, choices: list[str] | rx.Var, select_id: str) -> rx.Component:
    """A labelled select of one of `FILTERS`; its first choice, "any", turns the filter off."""
    value = getattr(ContactsState, name)
    select = any_select(choices, value, lambda v: ContactsState.set_filter(name, v), select_id, min_width="8em")
    return filter_field(label, select, select_id)


def filters_bar() -> rx.Component:
    search = rx.input(
        rx.input.slot(rx.icon("search", size=16)),
        placeholder="Name, email or phone",
        value=ContactsState.search,
        on_change=ContactsState.set_search,
        debounce_timeout=300,
        id="contact-search",
        aria_describedby="contact-search-hint",
        width="18em",
    )
    return filter_bar(
        filter_field("Search", search, "contact-search"),
        choice_filter("Email", "email_status", list(contact_search.EMAIL_STATUSES), "filter-email-status"),
        choice_filter("SMS", "sms_status", list(contact_search.SMS_STATUSES), "filter-sms-status"),
        choice_filter("Tag", "tag", ContactsState.tag_choices, "filter-tag"),
        rx.cond(
            ContactsState.filtered,
            clear_button(ContactsState.clear_filters),
        ),
        rx.spacer(),
        rx.button(
            rx.icon("download", size=16),
            "Export CSV",
            on_click=ContactsState.export_csv,
            variant="soft",
            id="export-contacts",
        ),
        rx.cond(AuthState.can_write, import_dialog(on_done=ContactsState.load)),
    )


@dashboard_page(route=routes.CONTACTS, title="Contacts", on_load=ContactsState.load)
def contacts_page() -> rx.Component:
    return rx.vstack(
        filters_bar(),
        rx.cond(
            ContactsState.short_search,
            rx.text(
                "One or two characters find the emails and names that start with them;"
                " type three or more to search anywhere in a name, email or phone number.",
                size="1",
                color_scheme="gray",
                id="contact-search-hint",
            ),
        ),
        list_page.pager(
            ContactsState,
            one="contact",
            many="contacts",
            id_prefix="contacts",
            counted_to=contact_search.SEARCH_COUNT_LIMIT,
        ),
        list_page.results(
            ContactsState,
            data_table(
                ["Name", "Email", "Phone", "Tags", "Email", "SMS"],
                ContactsState.rows,
                contact_row,
                empty="No contacts yet. Import a CSV file with an email or phone column (Import CSV above).",
                table_id="contacts",
            ),
            none_match="No contact matches these filters. Change the search or clear the filters.",
            none_match_id="contacts-none-match",
        ),
        width="100%",
        spacing="4",
    )
