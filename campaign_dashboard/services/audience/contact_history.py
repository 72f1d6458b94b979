"""One contact's history: the campaigns it was a recipient of, and the provider events about the
messages it was sent (both channels), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import or_
from sqlmodel import Session, col, select

from campaign_dashboard.models import (
    Channel,
    EmailCampaign,
    EmailCampaignRecipient,
    EmailEvent,
    SentEmail,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsEvent,
)

SHOWN = 100
# Each channel's pair of tables (mypy checks `_received` once for each).
Recipient = TypeVar("Recipient", EmailCampaignRecipient, SmsCampaignRecipient)
Campaign = TypeVar("Campaign", EmailCampaign, SmsCampaign)


@dataclass(frozen=True)
class CampaignReceived:
    channel: str
    campaign_id: int
    campaign_name: str
    status: str  # the recipient's status: pending, sent, delivered, opened, bounced, ...
    address: str
    sent_at: datetime | None
    updated_at: datetime
    error: str | None


@dataclass(frozen=True)
class ContactEvent:
    channel: str
    type: str
    campaign_id: int | None
    campaign_name: str
    occurred_at: datetime
    detail: str  # the clicked link, a bounce reason or an SMS error code


def campaigns_received(*, session: Session, contact_id: int, limit: int = SHOWN) -> list[CampaignReceived]:
    """Every campaign (email and SMS) the contact was a recipient of, most recent first."""
    found = _received(session, Channel.EMAIL, EmailCampaignRecipient, EmailCampaign, contact_id, limit)
    found += _received(session, Channel.SMS, SmsCampaignRecipient, SmsCampaign, contact_id, limit)
    found.sort(key=lambda r: r.sent_at or r.updated_at, reverse=True)
    return found[:limit]


def _received(
    session: Session,
    channel: Channel,
    recipient: type[Recipient],
    campaign: type[Campaign],
    contact_id: int,
    limit: int,
) -> list[CampaignReceived]:
    query = (
        select(recipient, col(campaign.name))
        .join(campaign, col(campaign.id) == recipient.campaign_id)
        .where(col(recipient.contact_id) == contact_id)
        .order_by(col(recipient.updated_at).desc(), col(recipient.id).desc())
        .limit(limit)
    )
    return [
        CampaignReceived(
            channel=channel.value,
            campaign_id=row.campaign_id,
            campaign_name=name,
            status=row.status,
            address=row.address,
            sent_at=row.sent_at,
            updated_at=row.updated_at,
            error=row.last_error,
        )
        for row, name in session.exec(query).all()
    ]


def contact_events(*, session: Session, contact_id: int, limit: int = SHOWN) -> list[ContactEvent]:
    """Provider events (delivered, opened, clicked, bounced, STOP replies, ...) about messages sent
    to the contact, most recent first."""
    email_recipients = select(col(EmailCampaignRecipient.id)).where(
        col(EmailCampaignRecipient.contact_id) == contact_id
    )
    sent_emails = select(col(SentEmail.id)).where(col(SentEmail.contact_id) == contact_id)
    email_query = (
        select(EmailEvent, col(EmailCampaign.name))
        .outerjoin(EmailCampaign, col(EmailCampaign.id) == EmailEvent.campaign_id)
        .where(or_(col(EmailEvent.sent_email_id).in_(sent_emails), col(EmailEvent.recipient_id).in_(email_recipients)))
        .order_by(col(EmailEvent.occurred_at).desc(), col(EmailEvent.id).desc())
        .limit(limit)
    )
    sms_recipients = select(col(SmsCampaignRecipient.id)).where(col(SmsCampaignRecipient.contact_id) == contact_id)
    sms_query = (
        select(SmsEvent, col(SmsCampaign.name))
        .outerjoin(SmsCampaign, col(SmsCampaign.id) == SmsEvent.campaign_id)
        .where(col(SmsEvent.recipient_id).in_(sms_recipients))
        .order_by(col(SmsEvent.occurred_at).desc(), col(SmsEvent.id).desc())
        .limit(limit)
    )
    found = [
        ContactEvent(
            channel=Channel.EMAIL.value,
            type=event.type,
            campaign_id=event.campaign_id,
            campaign_name=name or "",
            occurred_at=event.occurred_at,
            detail=event.link or event.detail or "",
        )
        for event, name in session.exec(email_query).all()
    ]
    found += [
        ContactEvent(
            channel=Channel.SMS.value,
            type=event.type,
            campaign_id=event.campaign_id,
            campaign_name=name or "",
            occurred_at=event.occurred_at,
            detail=f"error {event.error_code}" if event.error_code else "",
        )
        for event, name in session.exec(sms_query).all()
    ]
    found.sort(key=lambda e: e.occurred_at, reverse=True)
    return found[:limit]
