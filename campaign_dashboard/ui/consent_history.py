"""The contact page's consent history (the ledger, newest first) and the refusal callout shown
when the rules refuse a resubscribe. Rows are read by `consent_rows`; the page's state holds them."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from sqlmodel import Session

from campaign_dashboard.models import Contact, User
from campaign_dashboard.services.audience import consent
from campaign_dashboard.services.audience.consent import ConsentSource
from campaign_dashboard.ui.components import data_table, iso_utc, local_time

SHOWN = 100  # newest entries on the page; the API pages through all of them

EVENT_COLORS = {
    "opted_in": "green",
    "confirmed": "green",
    "resubscribed": "green",
    "unsuppressed": "green",
    "opted_out": "gray",
    "suppressed": "red",
}


@dataclass
class ConsentRow:
    occurred_at: str
    channel: str
    topic: str  # the topic the change was about ("": the whole channel)
    event: str
    color: str
    source: str
    detail: str
    client: str
    evidence: str


def consent_rows(*, session: Session, contact: Contact) -> list[ConsentRow]:
    page = consent.list_entries(session=session, contact=contact, limit=SHOWN)
    return [
        ConsentRow(
            occurred_at=iso_utc(e.occurred_at),
            channel=e.channel,
            topic=e.topic or "",
            event=e.event,
            color=EVENT_COLORS.get(e.event, "gray"),
            source=e.source.replace("_", " "),
            detail=e.source_detail,
            client=e.client_address or "",
            evidence=", ".join(f"{key}: {value}" for key, value in sorted((e.evidence or {}).items())),
        )
        for e in page.items
    ]


def dashboard_source(user: User | None, client_ip: str | None) -> ConsentSource | None:
    """The signed-in user as the ledger's source (None when the session ended)."""
    return ConsentSource.dashboard_user(user, client_address=client_ip or None) if user else None


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(local_time(row.occurred_at), white_space="nowrap"),
        rx.table.cell(
            rx.badge(row.channel, variant="outline"),
            rx.cond(row.topic != "", rx.text("topic: ", row.topic, size="1", class_name="consent-topic")),
        ),
        rx.table.cell(rx.badge(row.event, color_scheme=row.color, variant="soft", high_contrast=True)),
        rx.table.cell(rx.text(row.source, weight="medium"), rx.text(row.detail, size="1", color_scheme="gray")),
        rx.table.cell(rx.text(row.client, size="2")),
        rx.table.cell(rx.text(row.evidence, size="1", color_scheme="gray", word_break="break-all")),
    )


def consent_history(rows: rx.Var[list[ConsentRow]]) -> rx.Component:
    return rx.vstack(
        rx.heading("Consent history", size="4", margin_top="0.5em"),
        data_table(
            ["When", "Channel", "Change", "Source", "From", "Evidence"],
            rows,
            _row,
            empty="No consent changes recorded for this contact yet.",
            table_id="contact-consent",
        ),
        width="100%",
        spacing="3",
    )


def refusal_callout(refusal: rx.Var[str]) -> rx.Component:
    """Why the last resubscribe was refused, next to the buttons (the toast fades; this stays)."""
    return rx.cond(
        refusal != "",
        rx.callout(refusal, icon="shield-alert", color_scheme="amber", width="100%", id="consent-refusal"),
    )
