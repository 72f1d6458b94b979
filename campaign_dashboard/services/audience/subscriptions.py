"""Staff changing a contact's subscription (API, dashboard): unsubscribe, and resubscribe where the
rules allow (`consent_rules`). Each change lands in the consent ledger with the caller's source."""

from __future__ import annotations

from sqlmodel import Session

from campaign_dashboard.models import Channel, Contact, EmailStatus, SmsStatus, utcnow
from campaign_dashboard.services.audience import consent, consent_rules, opt_outs
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource
from campaign_dashboard.services.audience.contacts import address_for, get_contact
from campaign_dashboard.services.audience.suppressions import (
    is_suppressed,
    parse_channel,
    stage_suppression,
    unstage_suppression,
)


def unsubscribe(
    *, session: Session, contact_id: int, channel: str, source: ConsentSource, reason: str | None = None
) -> Contact:
    """Stop messaging the contact on `channel`: status changes and the address is suppressed."""
    contact = get_contact(session=session, contact_id=contact_id)
    channel = parse_channel(channel)
    address = address_for(contact, channel)
    was_suppressed = is_suppressed(session=session, channel=channel, address=address)
    changed = _status(contact, channel) == EmailStatus.SUBSCRIBED  # the same word for SMS
    if channel is Channel.EMAIL:
        if contact.email_status == EmailStatus.SUBSCRIBED:  # a bounce or complaint says more
            contact.email_status = EmailStatus.UNSUBSCRIBED
        reason = reason or opt_outs.UNSUBSCRIBE
    else:
        contact.sms_status = SmsStatus.OPTED_OUT
        reason = reason or opt_outs.SMS_OPT_OUT
    stage_suppression(session=session, channel=channel, address=address, reason=reason, source=str(source.kind))
    contact.updated_at = utcnow()
    session.add(contact)
    if changed or not was_suppressed:
        consent.record(
            session=session,
            contact_id=contact_id,
            channel=channel,
            address=address,
            event=ConsentEvent.OPTED_OUT,
            source=source,
        )
    session.commit()
    return contact


def resubscribe(
    *, session: Session, contact_id: int, channel: str, source: ConsentSource, reason: str | None = None
) -> Contact:
    """Message the contact on `channel` again, if the rules let `source` do it (Conflict naming why
    not; an admin lifting a hard bounce gives a `reason`): status back to subscribed, suppression
    lifted."""
    contact = get_contact(session=session, contact_id=contact_id)
    channel = parse_channel(channel)
    address = address_for(contact, channel)
    lifts_block = consent_rules.check_resubscribe(
        session=session, contact=contact, channel=channel, source=source, reason=reason
    )
    suppressed = is_suppressed(session=session, channel=channel, address=address)
    if _status(contact, channel) == EmailStatus.SUBSCRIBED and not suppressed:
        return contact  # nothing to give back
    if channel is Channel.EMAIL:
        contact.email_status = EmailStatus.SUBSCRIBED
    else:
        contact.sms_status = SmsStatus.SUBSCRIBED
    unstage_suppression(session=session, channel=channel, address=address)
    contact.updated_at = utcnow()
    session.add(contact)
    consent.record(
        session=session,
        contact_id=contact_id,
        channel=channel,
        address=address,
        event=ConsentEvent.UNSUPPRESSED if lifts_block else ConsentEvent.RESUBSCRIBED,
        source=source,
        evidence={"reason": reason.strip()} if reason and reason.strip() else None,
    )
    session.commit()
    return contact


def _status(contact: Contact, channel: Channel) -> str:
    return contact.email_status if channel is Channel.EMAIL else contact.sms_status
