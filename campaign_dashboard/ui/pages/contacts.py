"""Contacts: the newest contacts with their addresses, tags and subscription status."""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.ui import queries, routes
from campaign_dashboard.ui.components import data_table, status_badge, thousands
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.layout import dashboard_page

SHOWN = 100


class ContactsState(AuthState):
    contacts: list[queries.ContactRow] = []
    total: int = 0

    @rx.event
    def load(self):
        if refused := self._refuse():
            return refused
        with session_scope() as session:
            self.contacts = queries.list_contacts(session=session, limit=SHOWN)
            self.total = queries.count_contacts(session=session)


def contact_row(contact: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(contact.name, weight="medium"),
            rx.text(contact.timezone, size="1", color_scheme="gray"),
        ),
        rx.table.cell(contact.email),
        rx.table.cell(contact.phone, white_space="nowrap"),
        rx.table.cell(rx.text(contact.tags, size="2", color_scheme="gray")),
        rx.table.cell(status_badge(contact.email_status)),
        rx.table.cell(status_badge(contact.sms_status)),
    )


@dashboard_page(route=routes.CONTACTS, title="Contacts", on_load=ContactsState.load)
def contacts_page() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Newest ", thousands(ContactsState.contacts.length()), " of ",
            thousands(ContactsState.total), " contacts.",
            color_scheme="gray",
        ),
        data_table(
            ["Name", "Email", "Phone", "Tags", "Email", "SMS"],
            ContactsState.contacts,
            contact_row,
            empty="No contacts yet. Import a CSV through the API (POST /api/v1/contacts/import).",
            table_id="contacts",
        ),
        width="100%",
    )
