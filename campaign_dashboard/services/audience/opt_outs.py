"""Keeping the audience clean: suppressions and contact subscription status.

Used by hard bounces, complaints, unsubscribe links, SMS STOP/START and Resend's
`suppression.added`. Every function is
idempotent (a second call changes nothing and reports False) so replayed events are harmless,
and each is a single conditional statement, so concurrent calls cannot double count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from campaign_dashboard.models import Channel, Contact, EmailStatus, SmsStatus, Suppression, table_of, utcnow
from campaign_dashboard.services.audience import consent
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource, SourceKind
from campaign_dashboard.services.audience.suppressions import normalize_address
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.dead_letters import Outcome

# Reasons written to `suppressions.reason`.
HARD_BOUNCE = "hard_bounce"
COMPLAINT = "complaint"
UNSUBSCRIBE = "unsubscribe"
PROVIDER_SUPPRESSED = "provider_suppressed"
SMS_OPT_OUT = "sms_opt_out"


def canonical_address(channel: str, address: str) -> str:
    """The address as contacts and suppressions store it (`suppressions.normalize_address`).

    A provider may report an address our validation refuses (a short code, an odd mailbox); it
    is still honoured, trimmed (and lowercased if an email), rather than failing the webhook
    into endless retries."""
    try:
        return normalize_address(channel, address)
    except ValidationFailed:
        address = address.strip()
        return address.lower() if channel == Channel.EMAIL else address


def suppress(*, session: Session, channel: str, address: str, reason: str, source: str) -> bool:
    """Add the address to `suppressions`; True if it was not there yet."""
    table = table_of(Suppression)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(
            channel=str(channel),
            address=canonical_address(channel, address),
            reason=reason,
            source=source[:100],
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["channel", "address"])
        .returning(table.c.id)
    )
    return session.execute(statement).first() is not None


def unsuppress(*, session: Session, channel: str, address: str, reasons: tuple[str, ...]) -> bool:
    """Lift a suppression, but only one we added for one of `reasons` (never a manual one)."""
    statement = (
        delete(Suppression)
        .where(
            col(Suppression.channel) == str(channel),
            col(Suppression.address) == canonical_address(channel, address),
            col(Suppression.reason).in_(reasons),
        )
        .execution_options(synchronize_session=False)
    )
    return session.exec(statement).rowcount > 0


def set_email_status(
    *, session: Session, contact_id: int | None, status: str, replaces: tuple[str, ...], now: datetime
) -> bool:
    """Move the contact's email status to `status` if it currently is one of `replaces`."""
    if contact_id is None:
        return False
    statement = (
        update(Contact)
        .where(col(Contact.id) == contact_id, col(Contact.email_status).in_(replaces))
        .values(email_status=status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return session.exec(statement).rowcount == 1


def set_sms_status_by_phone(*, session: Session, phone: str, status: str, now: datetime) -> list[int]:
    """Every contact with this phone number gets `status`; returns the ids of those that changed."""
    other = SmsStatus.SUBSCRIBED if status == SmsStatus.OPTED_OUT else SmsStatus.OPTED_OUT
    statement = (
        update(Contact)
        .where(col(Contact.phone) == canonical_address(Channel.SMS, phone), col(Contact.sms_status) == other)
        .values(sms_status=status, updated_at=now)
        .returning(col(Contact.id))
        .execution_options(synchronize_session=False)
    )
    return list(session.execute(statement).scalars().all())


# Email statuses a new negative signal may overwrite: an unsubscribe does not hide a bounce.
EMAIL_STATUS_REPLACES: dict[str, tuple[str, ...]] = {
    EmailStatus.UNSUBSCRIBED: (EmailStatus.SUBSCRIBED,),
    EmailStatus.BOUNCED: (EmailStatus.SUBSCRIBED, EmailStatus.UNSUBSCRIBED),
    EmailStatus.COMPLAINED: (EmailStatus.SUBSCRIBED, EmailStatus.UNSUBSCRIBED, EmailStatus.BOUNCED),
}


@dataclass(frozen=True)
class ProviderSuppressionIn:
    """Resend's `suppression.added`: Resend will not deliver to `address` any more, so neither
    do we (a campaign would otherwise keep counting it as sent and failed)."""

    provider_event_id: str
    address: str
    origin: str  # bounce | complaint | manual (resend SDK 2.52.0 `SuppressionOrigin`)
    suppression_id: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


# Resend's suppression origin -> our suppression reason and the contact's email status.
PROVIDER_ORIGINS: dict[str, tuple[str, str | None]] = {
    "bounce": (HARD_BOUNCE, EmailStatus.BOUNCED),
    "complaint": (COMPLAINT, EmailStatus.COMPLAINED),
}
# Our suppression reason -> the ledger's source and event.
LEDGER_BY_REASON: dict[str, tuple[SourceKind, ConsentEvent]] = {
    HARD_BOUNCE: (SourceKind.BOUNCE, ConsentEvent.SUPPRESSED),
    COMPLAINT: (SourceKind.COMPLAINT, ConsentEvent.OPTED_OUT),
    PROVIDER_SUPPRESSED: (SourceKind.PROVIDER_SUPPRESSION, ConsentEvent.SUPPRESSED),
}


def apply_provider_suppression(*, session: Session, event: ProviderSuppressionIn) -> Outcome:
    """Suppress the address locally (and mark its contacts bounced/complained when that is why);
    commits. APPLIED when the suppression is new, DUPLICATE when it was there already."""
    reason, status = PROVIDER_ORIGINS.get(event.origin, (PROVIDER_SUPPRESSED, None))
    added = suppress(
        session=session,
        channel=Channel.EMAIL,
        address=event.address,
        reason=reason,
        source=f"resend:{event.suppression_id or event.provider_event_id}",
    )
    address = canonical_address(Channel.EMAIL, event.address)
    changed: list[int] = []
    if status is not None:
        changed = list(
            session.execute(
                update(Contact)
                .where(col(Contact.email) == address, col(Contact.email_status).in_(EMAIL_STATUS_REPLACES[status]))
                .values(email_status=status, updated_at=utcnow())
                .returning(col(Contact.id))
                .execution_options(synchronize_session=False)
            )
            .scalars()
            .all()
        )
    kind, ledger_event = LEDGER_BY_REASON[reason]
    evidence = {"provider_event_id": event.provider_event_id, "suppression_id": event.suppression_id or None}
    consent.record_change(
        session=session,
        channel=Channel.EMAIL,
        address=address,
        event=ledger_event,
        source=ConsentSource(kind, detail=f"Resend suppression.added ({event.origin})").with_evidence(**evidence),
        changed=changed,
        address_changed=added,
    )
    session.commit()
    return Outcome.APPLIED if added else Outcome.DUPLICATE
