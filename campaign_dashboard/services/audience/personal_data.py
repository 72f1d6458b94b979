"""A GDPR export: everything we hold about one contact, as one JSON document.

The contact (fields, tags, the topics it left), its consent ledger, the suppressions of its
addresses, every email and text it was a recipient of with the provider events about each, and its
replies. Rows are
found by the contact's id and by its current addresses (an address-wide ledger entry or a reply
names no contact). Read-only; the adapters record the export in the audit log.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, SQLModel, col, select

from campaign_dashboard.models import (
    ConsentEntry,
    Contact,
    EmailCampaign,
    EmailCampaignRecipient,
    EmailEvent,
    InboundEmail,
    SentEmail,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsEvent,
    Suppression,
    id_of,
    utcnow,
)
from campaign_dashboard.services.audience import contacts, topics
from campaign_dashboard.services.audience.suppressions import normalize_phone
from campaign_dashboard.services.errors import Conflict, NotFound, ValidationFailed

FORMAT = "campaign-dashboard personal data export, version 1"


def find_person(*, session: Session, email: str | None = None, phone: str | None = None) -> Contact:
    """The one contact with this email (or, without an email, this phone number)."""
    if email and email.strip():
        found = contacts.find_contact_by_email(session=session, email=email)
        if found is None:
            raise NotFound(f"No contact has the email address {email.strip()}.")
        return found
    if phone and phone.strip():
        number = normalize_phone(phone.strip())
        matches = session.exec(select(Contact).where(col(Contact.phone) == number).limit(2)).all()
        if not matches:
            raise NotFound(f"No contact has the phone number {number}.")
        if len(matches) > 1:
            message = f"Several contacts have the phone number {number}: name the contact by its email address."
            raise Conflict(message, details=[{"field": "phone", "message": message}])
        return matches[0]
    message = "Give the contact's email address or phone number."
    raise ValidationFailed(message, details=[{"field": "email", "message": message}])


def export_contact(*, session: Session, contact: Contact) -> dict[str, Any]:
    """Everything held about `contact`, as JSON-ready data."""
    contact_id = id_of(contact)
    email_recipients = session.exec(
        select(EmailCampaignRecipient, col(EmailCampaign.name))
        .join(EmailCampaign, col(EmailCampaign.id) == EmailCampaignRecipient.campaign_id)
        .where(_mine(EmailCampaignRecipient, contact_id, contact.email))
        .order_by(col(EmailCampaignRecipient.id))
    ).all()
    sms_recipients = session.exec(
        select(SmsCampaignRecipient, col(SmsCampaign.name))
        .join(SmsCampaign, col(SmsCampaign.id) == SmsCampaignRecipient.campaign_id)
        .where(_mine(SmsCampaignRecipient, contact_id, contact.phone))
        .order_by(col(SmsCampaignRecipient.id))
    ).all()
    sent = session.exec(select(SentEmail).where(sent_emails_of(contact)).order_by(col(SentEmail.id))).all()
    email_events = session.exec(
        select(EmailEvent).where(email_events_of(contact)).order_by(col(EmailEvent.occurred_at), col(EmailEvent.id))
    ).all()
    sms_events = session.exec(
        select(SmsEvent).where(sms_events_of(contact)).order_by(col(SmsEvent.occurred_at), col(SmsEvent.id))
    ).all()
    sent_by_recipient = {s.recipient_id: s for s in sent if s.recipient_id is not None}
    return {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "contact": {
            **_plain(contact),
            "tags": contacts.tags_of(session=session, contact_ids=[contact_id]).get(contact_id, []),
            "topics_left": [
                {"topic": left.topic, "channel": left.channel, "since": left.since.isoformat()}
                for left in topics.topics_left(session=session, contact_id=contact_id)
            ],
        },
        "consent": [
            _plain(e)
            for e in session.exec(select(ConsentEntry).where(ledger_of(contact)).order_by(col(ConsentEntry.id)))
        ],
        "suppressions": [
            _plain(s)
            for s in session.exec(select(Suppression).where(suppressions_of(contact)).order_by(col(Suppression.id)))
        ],
        "emails": [
            {
                "campaign": name,
                "recipient": _plain(r),
                "message": _plain(sent_by_recipient[r.id]) if r.id in sent_by_recipient else None,
                "events": [_plain(e) for e in email_events if _about_email(e, r, sent_by_recipient.get(id_of(r)))],
            }
            for r, name in email_recipients
        ]
        + [  # messages sent outside a recipient row (none today, but held all the same)
            {
                "campaign": None,
                "recipient": None,
                "message": _plain(s),
                "events": [_plain(e) for e in email_events if e.sent_email_id == s.id],
            }
            for s in sent
            if s.recipient_id is None
        ],
        "texts": [
            {
                "campaign": name,
                "recipient": _plain(r),
                "events": [_plain(e) for e in sms_events if e.recipient_id == r.id],
            }
            for r, name in sms_recipients
        ],
        "replies": [
            _plain(i)
            for i in session.exec(select(InboundEmail).where(replies_of(contact)).order_by(col(InboundEmail.id)))
        ],
    }


def export_json(*, session: Session, contact: Contact) -> str:
    """The export as the text of a JSON file."""
    return json.dumps(export_contact(session=session, contact=contact), indent=2, ensure_ascii=False, default=str)


def file_name(contact: Contact) -> str:
    return f"contact-{contact.id}-personal-data.json"


# -- which rows are the contact's (shared with the erasure) --------------------------------------


def not_anothers(column: Any, contact_id: int) -> Any:
    """Rows found by address must not be another contact's: a phone number may be shared, and
    what the other holder did stays theirs. No contact, or a deleted one, is the address's own."""
    others = select(col(Contact.id)).where(col(Contact.id) != contact_id)
    return or_(column.is_(None), column.not_in(others))


def by_address(table: Any, contact_id: int, address: str) -> Any:
    """Rows of a recipient-like table for the address, not another contact's."""
    return (col(table.address) == address) & not_anothers(col(table.contact_id), contact_id)


def _mine(table: Any, contact_id: int, address: str | None) -> Any:
    """Rows of a recipient-like table naming the contact, or its current address."""
    clauses = [col(table.contact_id) == contact_id]
    if address:
        clauses.append(by_address(table, contact_id, address))
    return or_(*clauses)


def email_recipients_of(contact: Contact) -> Any:
    return _mine(EmailCampaignRecipient, id_of(contact), contact.email)


def sms_recipients_of(contact: Contact) -> Any:
    return _mine(SmsCampaignRecipient, id_of(contact), contact.phone)


def sent_emails_of(contact: Contact) -> Any:
    recipients = select(col(EmailCampaignRecipient.id)).where(email_recipients_of(contact))
    return _email_rows(contact, SentEmail.contact_id, SentEmail.to_address, col(SentEmail.recipient_id).in_(recipients))


def email_events_of(contact: Contact) -> Any:
    return or_(
        col(EmailEvent.sent_email_id).in_(select(col(SentEmail.id)).where(sent_emails_of(contact))),
        col(EmailEvent.recipient_id).in_(select(col(EmailCampaignRecipient.id)).where(email_recipients_of(contact))),
    )


def sms_events_of(contact: Contact) -> Any:
    return col(SmsEvent.recipient_id).in_(select(col(SmsCampaignRecipient.id)).where(sms_recipients_of(contact)))


def replies_of(contact: Contact) -> Any:
    sent = select(col(SentEmail.id)).where(sent_emails_of(contact))
    return _email_rows(
        contact, InboundEmail.contact_id, InboundEmail.from_address, col(InboundEmail.sent_email_id).in_(sent)
    )


def _email_rows(contact: Contact, contact_column: Any, address_column: Any, linked: Any) -> Any:
    """Rows naming the contact, linked to its rows (`linked`), or from/to its email address."""
    clauses = [col(contact_column) == contact.id, linked]
    if contact.email:
        clauses.append((col(address_column) == contact.email) & not_anothers(col(contact_column), id_of(contact)))
    return or_(*clauses)


def ledger_of(contact: Contact) -> Any:
    """The contact's entries (see consent._of_contact: an older entry is a predecessor's), and the
    address-wide entries about its current addresses."""
    clauses: list[Any] = [
        (col(ConsentEntry.contact_id) == contact.id) & (col(ConsentEntry.occurred_at) >= contact.created_at)
    ]
    for channel, address in contacts.addresses_of(contact):
        clauses.append(
            (col(ConsentEntry.channel) == channel.value)
            & (col(ConsentEntry.address) == address)
            & not_anothers(col(ConsentEntry.contact_id), id_of(contact))
        )
    return or_(*clauses)


def suppressions_of(contact: Contact) -> Any:
    clauses: list[Any] = []
    for channel, address in contacts.addresses_of(contact):
        clauses.append((col(Suppression.channel) == channel.value) & (col(Suppression.address) == address))
    return or_(*clauses) if clauses else col(Suppression.id).is_(None)


def _about_email(event: EmailEvent, recipient: EmailCampaignRecipient, sent: SentEmail | None) -> bool:
    return event.recipient_id == recipient.id or (sent is not None and event.sent_email_id == sent.id)


def _rows(session: Session, table: Any, where: Any) -> list[dict[str, Any]]:
    return [_plain(row) for row in session.exec(select(table).where(where).order_by(col(table.id)))]


def _plain(row: SQLModel) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.model_dump().items()}
