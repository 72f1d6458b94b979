"""The consent ledger: record every change of a contact's email/SMS permission, and list them.

Each place that changes a permission (contacts, CSV import, unsubscribe links, STOP/START,
bounces, complaints, provider suppressions) records one entry per contact whose permission
changed, in the caller's transaction, with a `ConsentSource` handed down by whoever caused it: an
API token, a dashboard user, an import file, the contact's own keyword or link, a provider event.
Nothing here commits; the rows commit (or roll back) with the change they describe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from campaign_dashboard.models import ApiToken, ConsentEntry, Contact, User, table_of, utcnow
from campaign_dashboard.services.pagination import Page, page_of


class ConsentEvent(StrEnum):
    OPTED_IN = "opted_in"
    CONFIRMED = "confirmed"
    OPTED_OUT = "opted_out"
    RESUBSCRIBED = "resubscribed"
    SUPPRESSED = "suppressed"
    UNSUPPRESSED = "unsuppressed"


# Entries that give permission back; an entry of another kind takes it away.
GRANTS = frozenset(
    {ConsentEvent.OPTED_IN, ConsentEvent.CONFIRMED, ConsentEvent.RESUBSCRIBED, ConsentEvent.UNSUPPRESSED}
)


class SourceKind(StrEnum):
    """Who or what caused the change."""

    CSV_IMPORT = "csv_import"
    API = "api"
    DASHBOARD = "dashboard"
    SIGNUP_FORM = "signup_form"
    DOUBLE_OPT_IN = "double_opt_in"
    ONE_CLICK_UNSUBSCRIBE = "one_click_unsubscribe"  # the link in an email or text, and RFC 8058's POST
    MAILTO_UNSUBSCRIBE = "mailto_unsubscribe"  # mail to the List-Unsubscribe mailto address
    PREFERENCE_CENTRE = "preference_centre"
    KEYWORD = "keyword"  # STOP / START texted to our number
    TWILIO_ADVANCED_OPT_OUT = "twilio_advanced_opt_out"  # Twilio classified the text (OptOutType)
    PROVIDER_OPT_OUT = "provider_opt_out"  # the provider refused a send: the number opted out there (21610)
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    PROVIDER_SUPPRESSION = "provider_suppression"  # Resend's suppression list
    ERASURE = "gdpr_erasure"  # the person had us erase everything: the address's tombstone (tombstones.py)


# Sources that are the contact's own action (the rules let only these lift what they set).
CONTACT_ACTIONS = frozenset(
    {
        SourceKind.SIGNUP_FORM,
        SourceKind.DOUBLE_OPT_IN,
        SourceKind.ONE_CLICK_UNSUBSCRIBE,
        SourceKind.MAILTO_UNSUBSCRIBE,
        SourceKind.PREFERENCE_CENTRE,
        SourceKind.KEYWORD,
        SourceKind.TWILIO_ADVANCED_OPT_OUT,
    }
)


@dataclass(frozen=True)
class ConsentSource:
    """Where a change comes from, handed down from the caller to the ledger.

    `role` is the staff member's role (API token or dashboard user) for the rules; None when the
    contact or a provider caused the change. `evidence` is merged into every entry written.
    """

    kind: SourceKind
    detail: str = ""
    client_address: str | None = None
    role: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def api_token(cls, token: ApiToken, *, client_address: str | None = None) -> ConsentSource:
        return cls(SourceKind.API, f"API token {token.id} ({token.name})", client_address, token.role)

    @classmethod
    def dashboard_user(cls, user: User, *, client_address: str | None = None) -> ConsentSource:
        return cls(SourceKind.DASHBOARD, f"user {user.id} ({user.email})", client_address, user.role)

    def importing(self, file_name: str | None) -> ConsentSource:
        """The same caller, importing the file `file_name`."""
        name = (file_name or "unnamed file")[:200]
        return replace(self, kind=SourceKind.CSV_IMPORT, detail=f"{name}, by {self.detail}"[:500])

    def with_evidence(self, **evidence: Any) -> ConsentSource:
        return replace(self, evidence={**self.evidence, **{k: v for k, v in evidence.items() if v is not None}})


def record(
    *,
    session: Session,
    contact_id: int | None,
    channel: str,
    address: str,
    event: ConsentEvent,
    source: ConsentSource,
    at: datetime | None = None,
    evidence: dict[str, Any] | None = None,
    topic: str | None = None,
) -> None:
    """Add one entry (no commit: it lands with the change it describes); `topic` names the topic
    it is about (None: the whole channel)."""
    session.execute(
        insert(table_of(ConsentEntry)),
        [_row(contact_id, channel, address, event, source, at or utcnow(), evidence, topic)],
    )


def record_many(
    *,
    session: Session,
    entries: Iterable[tuple[int | None, str, str]],
    event: ConsentEvent,
    source: ConsentSource,
    at: datetime | None = None,
) -> int:
    """One entry per (contact id, channel, address), in one statement (CSV import); the count."""
    at = at or utcnow()
    rows = [_row(cid, channel, address, event, source, at, None) for cid, channel, address in entries]
    if rows:
        session.execute(insert(table_of(ConsentEntry)), rows)
    return len(rows)


def record_change(
    *,
    session: Session,
    channel: str,
    address: str,
    event: ConsentEvent,
    source: ConsentSource,
    changed: Sequence[int | None],
    address_changed: bool = False,
    at: datetime | None = None,
) -> None:
    """An address-wide change (STOP from a phone, a bounce, a provider suppression): one entry per
    contact whose status moved (`changed`); if none moved but the address was (un)suppressed, one
    per contact holding the address (or one without a contact). Nothing changed: nothing recorded."""
    ids: list[int | None] = [contact_id for contact_id in changed if contact_id is not None]
    if not ids and address_changed:
        ids = contacts_with_address(session=session, channel=channel, address=address) or [None]
    for contact_id in ids:
        record(
            session=session, contact_id=contact_id, channel=channel, address=address, event=event, source=source, at=at
        )


def contacts_with_address(*, session: Session, channel: str, address: str) -> list[int | None]:
    column = col(Contact.email) if channel == "email" else col(Contact.phone)
    return list(session.exec(select(Contact.id).where(column == address).order_by(col(Contact.id))).all())


def list_entries(
    *, session: Session, contact: Contact, cursor: str | None = None, limit: int = 50
) -> Page[ConsentEntry]:
    """The contact's ledger, newest first, keyset-paginated like every list."""
    query = select(ConsentEntry).where(*_of_contact(contact))
    return page_of(session, query, id_column=col(ConsentEntry.id), cursor=cursor, limit=limit, newest_first=True)


def since_last_grant(*, session: Session, contact: Contact, channel: str) -> list[ConsentEntry]:
    """The entries that took the channel away after the last one that gave it back (newest first);
    a topic's entries are about that topic only, not the channel."""
    return _until_grant(
        session,
        select(ConsentEntry).where(
            *_of_contact(contact), col(ConsentEntry.channel) == channel, col(ConsentEntry.topic).is_(None)
        ),
    )


def since_last_grant_of_address(*, session: Session, channel: str, address: str) -> list[ConsentEntry]:
    """`since_last_grant` of the entries about `address` that name no contact (an address-wide
    change when no contact held it)."""
    query = select(ConsentEntry).where(
        col(ConsentEntry.contact_id).is_(None),
        col(ConsentEntry.channel) == channel,
        col(ConsentEntry.address) == address,
        col(ConsentEntry.topic).is_(None),
    )
    return _until_grant(session, query)


def _until_grant(session: Session, query) -> list[ConsentEntry]:
    taken: list[ConsentEntry] = []
    for entry in session.exec(query.order_by(col(ConsentEntry.id).desc()).limit(200)).all():
        if entry.event in GRANTS:
            break
        taken.append(entry)
    return taken


def _of_contact(contact: Contact) -> tuple:
    """The contact's entries. Entries outlive a deleted contact, and SQLite may give the next new
    contact the deleted one's id: an entry older than the contact belongs to its predecessor."""
    return col(ConsentEntry.contact_id) == contact.id, col(ConsentEntry.occurred_at) >= contact.created_at


def _row(
    contact_id: int | None,
    channel: str,
    address: str,
    event: ConsentEvent,
    source: ConsentSource,
    at: datetime,
    evidence: dict[str, Any] | None,
    topic: str | None = None,
) -> dict[str, Any]:
    merged = {**source.evidence, **(evidence or {})}
    return {
        "contact_id": contact_id,
        "channel": str(channel),
        "topic": topic[:100] if topic else None,
        "address": (address or "")[:320],
        "event": str(event),
        "source": str(source.kind),
        "source_detail": source.detail[:500],
        "occurred_at": at,
        "client_address": source.client_address[:100] if source.client_address else None,
        "evidence": merged or None,
    }
