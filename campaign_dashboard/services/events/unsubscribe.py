"""Unsubscribe links: a signed token naming contact, channel and campaign, and its one effect.

Tokens are signed (not encrypted) with `SECRET_KEY`, so a link cannot be forged or edited to
unsubscribe someone else. The campaign counts a token once: the event id is derived from the token's
contents, so a second click and the RFC 8058 one-click POST count once. Every use of the link
still unsubscribes: if the contact was resubscribed in between, the link works again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, col, select

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import (
    Channel,
    Contact,
    EmailEvent,
    EmailStatus,
    SentEmail,
    SmsCampaignRecipient,
    SmsEvent,
    SmsStatus,
    utcnow,
)
from campaign_dashboard.services.audience import consent, opt_outs
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource, SourceKind
from campaign_dashboard.services.channels import campaign_model
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.counters import count_event
from campaign_dashboard.services.events.dead_letters import store_once

SALT = "campaign_dashboard.unsubscribe.v1"


class UnsubscribeResult(StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    ALREADY = "already_unsubscribed"


@dataclass(frozen=True)
class UnsubscribeTarget:
    contact_id: int
    channel: Channel
    campaign_id: int | None


def _serializer(secret_key: str | None) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key or get_settings().secret_key, salt=SALT)


def make_unsubscribe_token(
    *, contact_id: int, channel: str = Channel.EMAIL, campaign_id: int | None, secret_key: str | None = None
) -> str:
    return _serializer(secret_key).dumps([contact_id, str(Channel(channel)), campaign_id])


def unsubscribe_url(
    *,
    contact_id: int,
    channel: str = Channel.EMAIL,
    campaign_id: int | None,
    base_url: str | None = None,
    secret_key: str | None = None,
) -> str:
    """`<PUBLIC_BASE_URL>/unsubscribe/<token>`: for the footer link and `List-Unsubscribe`."""
    base = (base_url or get_settings().public_base_url).rstrip("/")
    token = make_unsubscribe_token(
        contact_id=contact_id, channel=channel, campaign_id=campaign_id, secret_key=secret_key
    )
    return f"{base}/unsubscribe/{token}"


def read_unsubscribe_token(*, token: str, secret_key: str | None = None) -> UnsubscribeTarget:
    """The token's contents, or ValidationFailed if it was not signed by us or was altered."""
    try:
        contact_id, channel, campaign_id = _serializer(secret_key).loads(token)
        return UnsubscribeTarget(
            contact_id=int(contact_id),
            channel=Channel(channel),
            campaign_id=None if campaign_id is None else int(campaign_id),
        )
    except (BadSignature, ValueError, TypeError) as exc:
        raise ValidationFailed(
            "This unsubscribe link is invalid or was altered.",
            details=[{"field": "token", "message": "bad signature"}],
        ) from exc


def apply_unsubscribe(
    *, session: Session, token: str, secret_key: str | None = None, client_address: str | None = None
) -> UnsubscribeResult:
    """Unsubscribe the token's contact from its channel (the link's page or RFC 8058's one-click
    POST); commits. Following the link again changes nothing unless the contact was resubscribed
    meanwhile: then it unsubscribes again (the contact's latest action wins)."""
    target = read_unsubscribe_token(token=token, secret_key=secret_key)
    source = ConsentSource(
        SourceKind.ONE_CLICK_UNSUBSCRIBE,
        detail=f"unsubscribe link of {target.channel} campaign {target.campaign_id or '(deleted)'}",
        client_address=client_address,
        evidence={"link_token": hashlib.sha256(token.encode()).hexdigest()[:16]},
    )
    return unsubscribe_target(session=session, target=target, source=source)


def unsubscribe_target(*, session: Session, target: UnsubscribeTarget, source: ConsentSource) -> UnsubscribeResult:
    """Apply a verified unsubscribe (link, one-click POST or mailto) and record it in the consent
    ledger with `source`; commits. The campaign counts one unsubscribe per contact however often
    the link is followed, but every time it is followed the contact ends up unsubscribed."""
    contact = session.get(Contact, target.contact_id)
    if contact is None:
        raise ValidationFailed("This unsubscribe link names a contact that no longer exists.")
    if target.campaign_id is not None and session.get(campaign_model(target.channel), target.campaign_id) is None:
        target = UnsubscribeTarget(contact_id=target.contact_id, channel=target.channel, campaign_id=None)
    event_id = f"unsubscribe:{target.channel}:{target.campaign_id or 0}:{target.contact_id}"
    now = utcnow()
    if target.channel == Channel.EMAIL:
        first = _record_email_unsubscribe(session=session, target=target, event_id=event_id, now=now)
    else:
        first = _record_sms_unsubscribe(session=session, target=target, event_id=event_id, now=now)
    contact = session.get(Contact, target.contact_id)  # a repeated link rolled back: read it again
    if contact is None:
        raise ValidationFailed("This unsubscribe link names a contact that no longer exists.")
    opted_out = _opt_out(session=session, contact=contact, channel=target.channel, source=source, now=now)
    if not first and not opted_out:
        session.rollback()
        return UnsubscribeResult.ALREADY
    if first:
        count_event(
            session=session,
            channel=target.channel,
            campaign_id=target.campaign_id,
            at=now,
            now=now,
            counters={"unsubscribed": 1},
            metrics={"unsubscribed": 1},
        )
    session.commit()
    return UnsubscribeResult.UNSUBSCRIBED


def _record_email_unsubscribe(*, session: Session, target: UnsubscribeTarget, event_id: str, now) -> bool:
    """Store the unsubscribe event; False if this (channel, campaign, contact) already has one."""
    sent = None
    if target.campaign_id is not None:
        sent = session.exec(
            select(SentEmail).where(
                col(SentEmail.campaign_id) == target.campaign_id, col(SentEmail.contact_id) == target.contact_id
            )
        ).first()
    row = EmailEvent(
        **_event_fields(target, event_id, now),
        recipient_id=sent.recipient_id if sent else None,
        sent_email_id=sent.id if sent else None,
        provider_message_id=sent.provider_message_id if sent else None,
    )
    return store_once(session=session, row=row)


def _record_sms_unsubscribe(*, session: Session, target: UnsubscribeTarget, event_id: str, now) -> bool:
    """Store the unsubscribe event; False if this (channel, campaign, contact) already has one."""
    recipient = None
    if target.campaign_id is not None:
        recipient = session.exec(
            select(SmsCampaignRecipient).where(
                col(SmsCampaignRecipient.campaign_id) == target.campaign_id,
                col(SmsCampaignRecipient.contact_id) == target.contact_id,
            )
        ).first()
    row = SmsEvent(
        **_event_fields(target, event_id, now),
        recipient_id=recipient.id if recipient else None,
        provider_message_id=recipient.provider_message_id if recipient else None,
    )
    return store_once(session=session, row=row)


def _event_fields(target: UnsubscribeTarget, event_id: str, now) -> dict[str, Any]:
    """What an unsubscribe event row holds on either channel."""
    return {
        "provider_event_id": event_id,
        "type": "unsubscribe",
        "campaign_id": target.campaign_id,
        "payload": {"contact_id": target.contact_id},
        "occurred_at": now,
        "received_at": now,
    }


def _opt_out(*, session: Session, contact: Contact, channel: Channel, source: ConsentSource, now) -> bool:
    """Unsubscribe and suppress the contact's address, with its ledger entry; False if it already was."""
    address = contact.email if channel == Channel.EMAIL else contact.phone
    if not address:
        return False
    changed: Sequence[int | None]
    if channel == Channel.EMAIL:
        moved = opt_outs.set_email_status(
            session=session,
            contact_id=contact.id,
            status=EmailStatus.UNSUBSCRIBED,
            replaces=opt_outs.EMAIL_STATUS_REPLACES[EmailStatus.UNSUBSCRIBED],
            now=now,
        )
        changed = [contact.id] if moved else []
        reason = opt_outs.UNSUBSCRIBE
    else:
        changed = opt_outs.set_sms_status_by_phone(session=session, phone=address, status=SmsStatus.OPTED_OUT, now=now)
        reason = opt_outs.SMS_OPT_OUT
    added = opt_outs.suppress(
        session=session, channel=channel, address=address, reason=reason, source="unsubscribe_link"
    )
    consent.record_change(
        session=session,
        channel=channel,
        address=opt_outs.canonical_address(channel, address),
        event=ConsentEvent.OPTED_OUT,
        source=source,
        changed=changed,
        address_changed=added,
        at=now,
    )
    return bool(changed) or added
