"""Snapshot a campaign's audience into its recipient ledger with one INSERT ... SELECT.

The snapshot is taken when the campaign starts: segment members, minus suppressed addresses and
unsubscribed / opted-out contacts, one row per address. Later contact changes do not move it, which
is what makes pause/resume and crash recovery exact.
"""

from __future__ import annotations

from sqlalchemy import exists, func, insert, literal, select
from sqlmodel import Session

from campaign_dashboard.models import (
    Channel,
    Contact,
    EmailSegment,
    EmailStatus,
    RecipientStatus,
    SmsStatus,
    Suppression,
    utcnow,
)
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.channels import recipient_model
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.segment_rules import contact_ids_select


def snapshot_audience(*, session: Session, channel: Channel, campaign: CampaignFields) -> int:
    """Insert the campaign's recipients (status pending); returns how many, also stored on the
    campaign's `recipients` counter. Runs in the caller's transaction."""
    segment = session.get(EmailSegment, campaign.segment_id) if campaign.segment_id else None
    if segment is None:
        raise ValidationFailed("The campaign has no segment to send to.",
                               details=[{"field": "segment_id", "message": "choose a segment"}])
    Recipient = recipient_model(channel)
    address = _address(channel)
    audience = _sendable(
        select(
            literal(campaign.id).label("campaign_id"),
            func.min(Contact.id).label("contact_id"),  # one row per address, even if shared
            address.label("address"),
            literal(RecipientStatus.PENDING.value).label("status"),
            literal(0).label("attempts"),
            literal(utcnow(), type_=Recipient.__table__.c.updated_at.type).label("updated_at"),
        ),
        channel, segment,
    )
    columns = ["campaign_id", "contact_id", "address", "status", "attempts", "updated_at"]
    session.connection().execute(insert(Recipient).from_select(columns, audience))
    count = session.scalar(
        select(func.count()).select_from(Recipient).where(Recipient.campaign_id == campaign.id)
    )
    campaign.recipients = count
    session.add(campaign)
    session.flush()
    return count


def count_audience(*, session: Session, channel: Channel, segment: EmailSegment) -> int:
    """How many recipients a campaign to `segment` would have if it started now (the snapshot's
    own filter, counted): for estimates before sending."""
    addresses = _sendable(select(_address(channel)), channel, segment).subquery()
    return session.scalar(select(func.count()).select_from(addresses)) or 0


def _address(channel: Channel):
    return Contact.email if Channel(channel) is Channel.EMAIL else Contact.phone


def _sendable(query, channel: Channel, segment: EmailSegment):
    """`query` over the segment's members we may message on `channel`, one row per address:
    with an address, subscribed, and not suppressed."""
    channel = Channel(channel)
    members = contact_ids_select(segment=segment).subquery()
    address = _address(channel)
    if channel is Channel.EMAIL:
        status_ok = Contact.email_status == EmailStatus.SUBSCRIBED
    else:
        status_ok = Contact.sms_status == SmsStatus.SUBSCRIBED
    suppressed = exists().where(Suppression.channel == channel.value, Suppression.address == address)
    return (
        query.join(members, members.c.id == Contact.id)
        .where(address.is_not(None), address != "", status_ok, ~suppressed)
        .group_by(address)
    )
