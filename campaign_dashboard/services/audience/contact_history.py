"""One contact's history: the campaigns it was a recipient of, and the provider events about the
messages it was sent (both channels), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, select

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
    found: list[CampaignReceived] = []
    for channel, recipient, campaign in (
        (Channel.EMAIL, EmailCampaignRecipient, EmailCampaign),
        (Channel.SMS, SmsCampaignRecipient, SmsCampaign),
    ):
        query = (
            select(recipient, campaign.name)
            .join(campaign, campaign.id == recipient.campaign_id)
            .where(recipient.contact_id == contact_id)
            .order_by(recipient.updated_at.desc(), recipient.id.desc())
            .limit(limit)
        )
        for row, name in session.exec(query).all():
            found.append(
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
            )
    found.sort(key=lambda r: r.sent_at or r.updated_at, reverse=True)
    return found[:limit]


def contact_events(*, session: Session, contact_id: int, limit: int = SHOWN) -> list[ContactEvent]:
    """Provider events (delivered, opened, clicked, bounced, STOP replies, ...) about messages sent
    to the contact, most recent first."""
    email_recipients = select(EmailCampaignRecipient.id).where(EmailCampaignRecipient.contact_id == contact_id)
    sent_emails = select(SentEmail.id).where(SentEmail.contact_id == contact_id)
    email_query = (
        select(EmailEvent, EmailCampaign.name)
        .outerjoin(EmailCampaign, EmailCampaign.id == EmailEvent.campaign_id)
        .where(or_(EmailEvent.sent_email_id.in_(sent_emails), EmailEvent.recipient_id.in_(email_recipients)))
        .order_by(EmailEvent.occurred_at.desc(), EmailEvent.id.desc())
        .limit(limit)
    )
    sms_recipients = select(SmsCampaignRecipient.id).where(SmsCampaignRecipient.contact_id == contact_id)
    sms_query = (
        select(SmsEvent, SmsCampaign.name)
        .outerjoin(SmsCampaign, SmsCampaign.id == SmsEvent.campaign_id)
        .where(SmsEvent.recipient_id.in_(sms_recipients))
        .order_by(SmsEvent.occurred_at.desc(), SmsEvent.id.desc())
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
