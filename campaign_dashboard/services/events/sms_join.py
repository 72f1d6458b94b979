"""SMS sign-up by keyword: "JOIN" texted to our number subscribes that number to our texts.

The text comes from the phone itself, so it is the person's own opt-in for that number: it creates
a contact for an unknown number, and for known ones lifts what the person may lift (their own
unsubscribe link, the preference centre, a staff unsubscribe, the tombstone of an erased number).
Not a STOP: Twilio itself keeps refusing to text a number that sent STOP until it sends START,
UNSTOP or YES, so JOIN then changes nothing and says to send START. The answer is the confirmation
the carriers' rules (CTIA) ask of a new subscription: who, what, rates, HELP and STOP. Twilio does
not answer JOIN itself (not one of its keywords), so ours is always sent.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session, col

from campaign_dashboard.models import Channel, Contact, SmsStatus, Suppression, utcnow
from campaign_dashboard.services.audience import consent, consent_rules, opt_outs, tombstones
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource

JOIN_KEYWORDS = frozenset({"JOIN"})
JOINED_REPLY = (
    "You are subscribed to our campaign text messages. Msg frequency varies. Msg & data rates may apply."
    " Reply HELP for help, STOP to unsubscribe."
)
STOPPED_REPLY = "You texted STOP earlier, so our texts are stopped. Reply START to receive them again."


def join(*, session: Session, phone: str, source: ConsentSource) -> str:
    """Subscribe `phone` (E.164) to texts, with its ledger entries; no commit. The reply."""
    phone = opt_outs.canonical_address(Channel.SMS, phone)
    blocks = consent_rules.address_blocks(session=session, channel=Channel.SMS, address=phone)
    if any(block.source in consent_rules.PHONE_STOPS for block in blocks):
        return STOPPED_REPLY
    now = utcnow()
    session.exec(
        delete(Suppression)
        .where(
            col(Suppression.channel) == Channel.SMS.value,
            col(Suppression.address).in_([phone, tombstones.marker(Channel.SMS, phone)]),
        )
        .execution_options(synchronize_session=False)
    )
    changed = list(
        session.execute(
            update(Contact)
            .where(col(Contact.phone) == phone, col(Contact.sms_status) != SmsStatus.SUBSCRIBED)
            .values(sms_status=SmsStatus.SUBSCRIBED, updated_at=now)
            .returning(col(Contact.id))
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    holders = consent.contacts_with_address(session=session, channel=Channel.SMS, address=phone)
    event = ConsentEvent.RESUBSCRIBED
    if not holders:
        contact = Contact(phone=phone, sms_status=SmsStatus.SUBSCRIBED, created_at=now, updated_at=now)
        session.add(contact)
        session.flush()
        changed, event = [contact.id], ConsentEvent.OPTED_IN
    for contact_id in changed:
        consent.record(
            session=session,
            contact_id=contact_id,
            channel=Channel.SMS,
            address=phone,
            event=event,
            source=source,
            at=now,
        )
    return JOINED_REPLY
