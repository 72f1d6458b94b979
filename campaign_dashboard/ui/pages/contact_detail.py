"""One contact: its fields, tags, subscription per channel (with unsubscribe / resubscribe), the
campaigns it received and the events about its messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import partial

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Channel, Role, id_of
from campaign_dashboard.services.accounts import audit
from campaign_dashboard.services.audience import (
    contact_history,
    contacts,
    erasure,
    personal_data,
    subscriptions,
    topics,
)
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import (
    back_link,
    data_table,
    found_or_message,
    iso_utc,
    local_time,
    row_button,
    status_badge,
)
from campaign_dashboard.ui.confirm import confirm_button, reason_dialog
from campaign_dashboard.ui.consent_history import (
    ConsentRow,
    consent_history,
    consent_rows,
    dashboard_source,
    refusal_callout,
)
from campaign_dashboard.ui.form_dialog import Field
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.layout import dashboard_page

SUBSCRIBED = "subscribed"


@dataclass
class ContactField:
    label: str
    value: str


@dataclass
class ReceivedRow:
    channel: str
    campaign: str
    href: str
    status: str
    address: str
    sent_at: str
    updated_at: str
    error: str


@dataclass
class EventRow:
    channel: str
    type: str
    campaign: str
    href: str
    occurred_at: str
    detail: str


class ContactDetailState(AuthState):
    found: bool = False
    contact_key: int = 0
    name: str = ""
    email: str = ""
    phone: str = ""
    email_status: str = ""
    sms_status: str = ""
    created_at: str = ""
    fields: list[ContactField] = []
    tags: list[str] = []
    topics_left: list[str] = []  # "Offers (email)": the topics the contact left in the preference centre
    received: list[ReceivedRow] = []
    events: list[EventRow] = []
    consent: list[ConsentRow] = []
    refusal: str = ""  # why the rules refused the last resubscribe
    message: str = ""
    erasing: bool = False  # the erasure's confirmation is open
    confirmation: str = ""  # what must be typed to erase: the email, or the phone without one
    erase_errors: dict[str, str] = {}

    @guarded(Role.VIEWER)
    def load(self):
        arg = routes.path_arg(self.router.url.path)
        self.found, self.message = False, ""
        if not arg.isdigit():
            self.message = f"{arg!r} is not a contact id."
            return
        self.contact_key, self.refusal = int(arg), ""
        self._read()

    def _read(self) -> None:
        if not self._signed_in():
            return
        with session_scope() as session:
            try:
                contact = contacts.get_contact(session=session, contact_id=self.contact_key)
            except DomainError as exc:
                self.found, self.message = False, exc.message
                return
            contact_id = id_of(contact)
            self.tags = contacts.tags_of(session=session, contact_ids=[contact_id]).get(contact_id, [])
            left = topics.topics_left(session=session, contact_id=contact_id)
            self.topics_left = [f"{t.topic} ({t.channel})" for t in left]
            received = contact_history.campaigns_received(session=session, contact_id=contact_id)
            events = contact_history.contact_events(session=session, contact_id=contact_id)
            self.consent = consent_rows(session=session, contact=contact)
        self.found = True
        self.confirmation = erasure.confirmation_of(contact)
        self.name = f"{contact.first_name} {contact.last_name}".strip() or contact.email or contact.phone or ""
        self.email, self.phone = contact.email or "", contact.phone or ""
        self.email_status, self.sms_status = contact.email_status, contact.sms_status
        self.created_at = iso_utc(contact.created_at)
        self.fields = [
            ContactField("First name", contact.first_name or "–"),
            ContactField("Last name", contact.last_name or "–"),
            ContactField("Time zone", contact.timezone),
            *(ContactField(str(key), str(value)) for key, value in sorted((contact.attributes or {}).items())),
        ]
        self.received = [
            ReceivedRow(
                channel=r.channel,
                campaign=r.campaign_name,
                href=routes.campaign_detail(r.channel, r.campaign_id),
                status=r.status,
                address=r.address,
                sent_at=iso_utc(r.sent_at),
                updated_at=iso_utc(r.updated_at),
                error=r.error or "",
            )
            for r in received
        ]
        self.events = [
            EventRow(
                channel=e.channel,
                type=e.type,
                campaign=e.campaign_name,
                href=routes.campaign_detail(e.channel, e.campaign_id) if e.campaign_id else "",
                occurred_at=iso_utc(e.occurred_at),
                detail=e.detail,
            )
            for e in events
        ]

    def _change(self, action, channel: str, done: str):
        source = dashboard_source(self._user(), self.router.session.client_ip)
        if source is None:
            return None
        try:
            with session_scope() as session:
                action(session=session, contact_id=self.contact_key, channel=channel, source=source)
        except DomainError as exc:
            self.refusal = exc.message
            return rx.toast.error(exc.message)
        self.refusal = ""
        self._read()
        return rx.toast.success(done)

    @guarded(Role.MARKETER, writes=True)
    def unsubscribe(self, channel: str):
        return self._change(subscriptions.unsubscribe, channel, f"Unsubscribed from {channel}.")

    @guarded(Role.MARKETER, writes=True)
    def resubscribe(self, channel: str):
        return self._change(subscriptions.resubscribe, channel, f"Subscribed to {channel} again.")

    def _audit(self, session, user, action: str, contact_id: int, detail: dict | None = None) -> None:
        """Record a GDPR export or erasure by `user` on the contact (the address is never kept)."""
        audit.record(
            session,
            actor_user_id=user.id if user else None,
            action=action,
            object_type="contact",
            object_id=contact_id,
            client_address=self.router.session.client_ip or None,
            detail=detail,
        )
        session.commit()

    @guarded(Role.ADMIN)
    def export_data(self):
        """Everything held about the contact (GDPR), as a JSON download, recorded in the audit log."""
        user = self._user()
        try:
            with session_scope() as session:
                contact = contacts.get_contact(session=session, contact_id=self.contact_key)
                text = personal_data.export_json(session=session, contact=contact)
                self._audit(session, user, audit.CONTACT_EXPORT, id_of(contact))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return rx.download(data=text, filename=personal_data.file_name(contact), mime_type="application/json")

    @guarded(Role.ADMIN)
    def ask_erase(self):
        self.erasing, self.erase_errors = True, {}

    @guarded(Role.ADMIN)
    def close_erase(self, value: bool = False):
        if not value:
            self.erasing, self.erase_errors = False, {}

    @guarded(Role.ADMIN, writes=True, audits_itself=True)
    def erase(self, form: dict):
        """Erase the contact once its address was typed again; audited with counts only (the
        typed address must not outlive the contact in the audit log)."""
        user = self._user()
        try:
            with session_scope() as session:
                contact = contacts.get_contact(session=session, contact_id=self.contact_key)
                erasure.check_confirmation(contact, str(form.get("confirm", "")))
                done = erasure.erase_contact(session=session, contact=contact)
                self._audit(session, user, audit.CONTACT_ERASE, done.contact_id, detail=asdict(done))
        except DomainError as exc:
            self.erase_errors = {d.get("field", ""): d["message"] for d in exc.details} or {"": exc.message}
            return None
        self.erasing, self.found = False, False
        return [rx.redirect(routes.CONTACTS), rx.toast.success(f"Contact {done.contact_id} was erased.")]


def subscription(channel: Channel, label: str, status: rx.Var, address: rx.Var) -> rx.Component:
    """One channel's status, with unsubscribe (confirmed first) or resubscribe for marketers."""
    s = ContactDetailState
    unsubscribe = confirm_button(
        row_button("Unsubscribe", color_scheme="red", id=f"unsubscribe-{channel}"),
        title=f"Unsubscribe from {label}?",
        description=rx.text(
            "No campaign will reach ",
            address,
            f" by {label} until the contact is resubscribed. The address is added to the suppression list.",
        ),
        action="Unsubscribe",
        on_confirm=s.unsubscribe(channel.value),
        confirm_id=f"confirm-unsubscribe-{channel}",
    )
    resubscribe = row_button("Resubscribe", on_click=s.resubscribe(channel.value), id=f"resubscribe-{channel}")
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text(label, size="2", color_scheme="gray"),
                rx.cond(address != "", rx.text(address, weight="medium"), rx.text("no address", color_scheme="gray")),
                spacing="1",
            ),
            rx.spacer(),
            rx.box(status_badge(status), id=f"status-{channel}"),
            rx.cond(
                AuthState.can_write & (address != ""),
                rx.cond(status == SUBSCRIBED, unsubscribe, resubscribe),
            ),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        min_width="20em",
        flex="1",
    )


def gdpr_actions() -> rx.Component:
    """Admins only: the GDPR export (a JSON file) and the erasure, which asks for the address."""
    s = ContactDetailState
    dialog = reason_dialog(
        is_open=s.erasing,
        on_open_change=s.close_erase,
        title="Erase this contact?",
        description=rx.text(
            "The contact and everything we hold about it (consent history, messages, events, replies) are"
            " erased for good; campaign counts stay. The address is kept only as a hash, so it stays"
            " unsubscribed if it is ever added again. This cannot be undone. Type ",
            rx.code(s.confirmation),
            " to confirm.",
        ),
        action="Erase contact",
        on_submit=s.erase,
        errors=s.erase_errors,
        form_id="erase-contact",
        field=Field("confirm", "Address", partial(rx.input, placeholder=s.confirmation, auto_complete="off")),
    )
    return rx.cond(
        AuthState.is_admin,
        rx.hstack(
            rx.button(
                rx.icon("download", size=16), "Export data", on_click=s.export_data, variant="soft", id="export-data"
            ),
            rx.button(
                rx.icon("trash-2", size=16),
                "Erase contact…",
                on_click=s.ask_erase,
                color_scheme="red",
                variant="soft",
                id="erase-contact-open",
            ),
            dialog,
            spacing="2",
        ),
    )


def received_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row.campaign, href=row.href)),
        rx.table.cell(rx.badge(row.channel, variant="outline")),
        rx.table.cell(
            status_badge(row.status), rx.cond(row.error != "", rx.text(row.error, size="1", color_scheme="red"))
        ),
        rx.table.cell(row.address),
        rx.table.cell(local_time(row.sent_at), white_space="nowrap"),
        rx.table.cell(local_time(row.updated_at), white_space="nowrap"),
    )


def event_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(local_time(row.occurred_at), white_space="nowrap"),
        rx.table.cell(rx.badge(row.channel, variant="outline")),
        rx.table.cell(rx.code(row.type)),
        rx.table.cell(rx.cond(row.href != "", rx.link(row.campaign, href=row.href), rx.text(row.campaign))),
        rx.table.cell(rx.text(row.detail, size="2", color_scheme="gray", word_break="break-all")),
    )


def details() -> rx.Component:
    s = ContactDetailState
    return rx.vstack(
        back_link("All contacts", routes.CONTACTS),
        rx.flex(
            rx.heading(s.name, size="6", id="contact-name"),
            rx.spacer(),
            gdpr_actions(),
            align="center",
            width="100%",
            wrap="wrap",
        ),
        rx.text("Added ", local_time(s.created_at), size="2", color_scheme="gray"),
        rx.flex(
            subscription(Channel.EMAIL, "Email", s.email_status, s.email),
            subscription(Channel.SMS, "SMS", s.sms_status, s.phone),
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        refusal_callout(s.refusal),
        rx.card(
            rx.data_list.root(
                rx.foreach(
                    s.fields, lambda f: rx.data_list.item(rx.data_list.label(f.label), rx.data_list.value(f.value))
                ),
                rx.data_list.item(
                    rx.data_list.label("Tags"),
                    rx.data_list.value(
                        rx.cond(
                            s.tags.length() > 0,
                            rx.hstack(rx.foreach(s.tags, lambda t: rx.badge(t, variant="soft")), wrap="wrap"),
                            rx.text("none", color_scheme="gray"),
                        ),
                        id="contact-tags",
                    ),
                ),
                rx.data_list.item(
                    rx.data_list.label("Topics left"),
                    rx.data_list.value(
                        rx.cond(
                            s.topics_left.length() > 0,
                            rx.hstack(
                                rx.foreach(s.topics_left, lambda t: rx.badge(t, color_scheme="gray")), wrap="wrap"
                            ),
                            rx.text("none: gets every topic", color_scheme="gray"),
                        ),
                        id="contact-topics-left",
                    ),
                ),
            ),
            width="100%",
            id="contact-fields",
        ),
        rx.heading("Campaigns received", size="4", margin_top="0.5em"),
        data_table(
            ["Campaign", "Channel", "Status", "Address", "Sent", "Last change"],
            s.received,
            received_row,
            empty="This contact has not been sent any campaign yet. Campaigns snapshot their audience when they start.",
            table_id="contact-campaigns",
        ),
        rx.heading("Events", size="4", margin_top="0.5em"),
        data_table(
            ["When", "Channel", "Event", "Campaign", "Detail"],
            s.events,
            event_row,
            empty="No delivery, open, click or reply events for this contact yet.",
            table_id="contact-events",
        ),
        consent_history(s.consent),
        width="100%",
        spacing="3",
    )


@dashboard_page(route=routes.CONTACTS + "/[contact_id]", title="Contact", on_load=ContactDetailState.load)
def contact_detail_page() -> rx.Component:
    return found_or_message(ContactDetailState.found, ContactDetailState.message, details())
