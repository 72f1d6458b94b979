"""A GDPR erasure: the contact goes, and every personal field about it with it.

Set-based: whatever the number of messages, a handful of UPDATE/DELETE statements in one
transaction. What stays: campaign counters and minute buckets (untouched), the rows of messages
and events with their types and times but without address, subject, body or provider payload, the
consent ledger's entries without address, client address or evidence (the ledger refuses UPDATE,
so the entries are copied anonymised and the originals deleted), and one tombstone per address
(`tombstones`) so the address stays suppressed if it is ever added again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, Text, case, cast, delete, func, insert, literal, select, true, update
from sqlmodel import Session, col

from campaign_dashboard.models import (
    Channel,
    ConsentEntry,
    Contact,
    ContactTag,
    DeadLetterEvent,
    EmailCampaignRecipient,
    EmailEvent,
    FailedInboundEmail,
    InboundEmail,
    SegmentContact,
    SentEmail,
    SmsCampaignRecipient,
    SmsEvent,
    Suppression,
    TopicOptOut,
    id_of,
    table_of,
)
from campaign_dashboard.services.audience import personal_data as mine
from campaign_dashboard.services.audience import tombstones
from campaign_dashboard.services.audience.consent import contacts_with_address
from campaign_dashboard.services.audience.contacts import addresses_of
from campaign_dashboard.services.audience.suppressions import normalize_email, normalize_phone
from campaign_dashboard.services.errors import ValidationFailed

ERASED = "erased"  # what replaces an address that is not the contact's current one


@dataclass(frozen=True)
class Erasure:
    """What an erasure touched, in counts (the audit log keeps these, never the address)."""

    contact_id: int
    channels: list[str]
    messages: int
    texts: int
    events: int
    replies: int
    consent_entries: int


def confirmation_of(contact: Contact) -> str:
    """What the person erasing must type: the contact's email, or its phone without one."""
    return contact.email or contact.phone or ""


def check_confirmation(contact: Contact, typed: str | None) -> None:
    """Refuse unless `typed` is the contact's address (any way it is written): an erasure cannot
    be undone, so it is never one click or one call away."""
    expected = confirmation_of(contact)
    raw = (typed or "").strip()
    try:
        given = normalize_email(raw) if contact.email else normalize_phone(raw)
    except ValidationFailed:
        given = raw
    if not raw or given != expected:
        message = f"Type the contact's {'email address' if contact.email else 'phone number'} to confirm the erasure."
        raise ValidationFailed(message, details=[{"field": "confirm", "message": message}])


def erase_contact(*, session: Session, contact: Contact) -> Erasure:
    """Erase `contact` and commit; irreversible (callers ask first: `check_confirmation`)."""
    contact_id = id_of(contact)
    markers = {
        channel: tombstones.bury(session=session, channel=channel, address=address)
        for channel, address in addresses_of(contact)
    }
    email_marker = markers.get(Channel.EMAIL, ERASED)
    sms_marker = markers.get(Channel.SMS, ERASED)
    # Events, then replies, before the messages and recipients they are found through.
    events = _count(session, EmailEvent, mine.email_events_of(contact)) + _count(
        session, SmsEvent, mine.sms_events_of(contact)
    )
    _changed(
        session,
        update(EmailEvent)
        .where(mine.email_events_of(contact))
        .values(
            payload={},
            detail=_scrub(EmailEvent.detail, contact.email, email_marker),
            link=_scrub(EmailEvent.link, contact.email, email_marker),
        ),
    )
    _changed(
        session,
        update(SmsEvent).where(mine.sms_events_of(contact)).values(payload={}),
    )
    events += _forget_payloads(session, contact)
    replies = _changed(
        session,
        update(InboundEmail)
        .where(mine.replies_of(contact))
        .values(contact_id=None, from_address=email_marker, subject="", text="", html=""),
    )
    if contact.email:
        _changed(
            session,
            update(FailedInboundEmail)
            .where(col(FailedInboundEmail.from_address) == contact.email)
            .values(from_address=email_marker, subject="", payload={}),
        )
    messages = _changed(
        session,
        update(SentEmail)
        .where(mine.sent_emails_of(contact))
        .values(contact_id=None, to_address=email_marker, subject=""),
    )
    texts = _erase_recipients(session, SmsCampaignRecipient, contact_id, contact.phone, sms_marker)
    _erase_recipients(session, EmailCampaignRecipient, contact_id, contact.email, email_marker)
    entries = _erase_ledger(session, contact, email_marker, sms_marker)
    for channel, address in addresses_of(contact):
        if not [c for c in contacts_with_address(session=session, channel=channel, address=address) if c != contact_id]:
            session.execute(
                delete(Suppression).where(col(Suppression.channel) == channel, col(Suppression.address) == address)
            )  # a shared phone's suppression stays: the other holder opted out too
    session.execute(delete(ContactTag).where(col(ContactTag.contact_id) == contact_id))
    session.execute(delete(TopicOptOut).where(col(TopicOptOut.contact_id) == contact_id))
    session.execute(delete(SegmentContact).where(col(SegmentContact.contact_id) == contact_id))
    session.execute(delete(Contact).where(col(Contact.id) == contact_id))
    session.commit()
    session.expunge_all()  # nothing loaded before may be read back with what was erased
    return Erasure(
        contact_id=contact_id,
        channels=[str(c) for c in markers],
        messages=messages,
        texts=texts,
        events=events,
        replies=replies,
        consent_entries=entries,
    )


def _erase_recipients(session: Session, table, contact_id: int, address: str | None, marker: str) -> int:
    """The recipient rows: the current address becomes the tombstone (unique per campaign, as the
    address was); rows with an older address of the contact become `erased:r<id>`."""
    done = 0
    if address:
        done += _changed(
            session,
            update(table)
            .where(mine.by_address(table, contact_id, address))
            .values(address=marker, contact_id=None, last_error=_scrub(table.last_error, address, marker)),
        )
    done += _changed(
        session,
        update(table)
        .where(col(table.contact_id) == contact_id)
        .values(address=literal(tombstones.PREFIX + "r") + cast(table.id, String), contact_id=None, last_error=None),
    )
    return done


def _erase_ledger(session: Session, contact: Contact, email_marker: str, sms_marker: str) -> int:
    """Copy the contact's ledger entries without their personal fields, then delete the originals
    (the ledger takes INSERT and DELETE only). The copies name no contact."""
    ledger = table_of(ConsentEntry)
    which = mine.ledger_of(contact)
    kept = ["channel", "topic", "address", "event", "source", "source_detail", "occurred_at"]
    copies = (
        select(
            ledger.c.channel,
            ledger.c.topic,
            case((ledger.c.channel == Channel.SMS.value, sms_marker), else_=email_marker),
            ledger.c.event,
            ledger.c.source,
            ledger.c.source_detail,
            ledger.c.occurred_at,
        )
        .where(which)
        .order_by(ledger.c.id)
    )
    session.execute(insert(ledger).from_select(kept, copies))
    return _changed(session, delete(ConsentEntry).where(which))


def _forget_payloads(session: Session, contact: Contact) -> int:
    """Events tied to no recipient (a STOP from a number we never texted, an event we could not
    match) whose provider payload holds one of the contact's addresses lose that payload."""
    done = 0
    for table, unmatched, address in (
        (SmsEvent, col(SmsEvent.recipient_id).is_(None), contact.phone),
        (EmailEvent, col(EmailEvent.recipient_id).is_(None), contact.email),
        (DeadLetterEvent, true(), contact.phone),
        (DeadLetterEvent, true(), contact.email),
    ):
        if address:
            holds = cast(col(table.payload), Text).contains(address, autoescape=True)
            done += _changed(session, update(table).where(holds, unmatched).values(payload={}))
    return done


def _scrub(column, address: str | None, marker: str):
    """The text column with every occurrence of the address replaced by its tombstone."""
    return func.replace(column, address, marker) if address else column


def _changed(session: Session, statement) -> int:
    """Run a bulk UPDATE/DELETE (the loaded objects are not synchronised: nothing is read back)."""
    return session.exec(statement.execution_options(synchronize_session=False)).rowcount or 0


def _count(session: Session, table, where) -> int:
    return session.execute(select(func.count()).select_from(table).where(where)).scalar_one()
