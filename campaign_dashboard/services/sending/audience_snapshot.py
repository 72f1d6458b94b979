"""Snapshot a campaign's audience into its recipient ledger with one INSERT ... SELECT.

The snapshot is taken when the campaign starts: segment members, minus suppressed addresses and
unsubscribed / opted-out contacts, one row per address. Later contact changes do not move it, which
is what makes pause/resume and crash recovery exact.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, insert, literal, select
from sqlmodel import Session, col

from campaign_dashboard.models import (
    Channel,
    Contact,
    EmailStatus,
    RecipientStatus,
    Segment,
    SmsStatus,
    Suppression,
    table_of,
    utcnow,
)
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.audience.segment_rules import contact_ids_select
from campaign_dashboard.services.channels import recipient_model
from campaign_dashboard.services.errors import NotFound, ValidationFailed


def snapshot_audience(*, session: Session, channel: Channel, campaign: CampaignFields) -> int:
    """Insert the campaign's recipients (status pending); returns how many, also stored on the
    campaign's `recipients` counter. Runs in the caller's transaction."""
    segment = session.get(Segment, campaign.segment_id) if campaign.segment_id else None
    if segment is None:
        raise ValidationFailed(
            "The campaign has no segment to send to.", details=[{"field": "segment_id", "message": "choose a segment"}]
        )
    Recipient = recipient_model(channel)
    audience = audience_query(
        channel,
        segment,
        literal(campaign.id).label("campaign_id"),
        literal(RecipientStatus.PENDING.value).label("status"),
        literal(0).label("attempts"),
        literal(utcnow(), type_=table_of(Recipient).c.updated_at.type).label("updated_at"),
    )
    columns = ["campaign_id", "status", "attempts", "updated_at", "contact_id", "address"]
    session.connection().execute(insert(Recipient).from_select(columns, audience))
    count = (
        session.scalar(select(func.count()).select_from(Recipient).where(col(Recipient.campaign_id) == campaign.id))
        or 0
    )
    campaign.recipients = count
    session.add(campaign)
    session.flush()
    return count


def count_audience(*, session: Session, channel: str, segment_id: int) -> int:
    """How many recipients a campaign on this segment would have if it started now: the number
    shown while choosing the segment, counted by the same query the snapshot inserts from."""
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"Segment {segment_id} does not exist.")
    rows = audience_query(Channel(channel), segment).subquery()
    return session.scalar(select(func.count()).select_from(rows)) or 0


def audience_query(channel: Channel, segment: Segment, *leading: ColumnElement[Any]) -> Select[*tuple[Any, ...]]:
    """`leading` columns, then (contact_id, address): segment members with a subscribed,
    unsuppressed address on `channel`, one row per address even if contacts share it."""
    return sendable(channel, contact_ids_select(segment=segment), *leading)


def sendable(channel: Channel, contact_ids: Select, *leading: ColumnElement[Any]) -> Select[*tuple[Any, ...]]:
    """`leading` columns, then (contact_id, address): of the contacts `contact_ids` selects (one
    `id` column), those with a subscribed, unsuppressed address on `channel`, one row per address."""
    members = contact_ids.subquery()
    if Channel(channel) is Channel.EMAIL:
        address, status_ok = col(Contact.email), col(Contact.email_status) == EmailStatus.SUBSCRIBED
    else:
        address, status_ok = col(Contact.phone), col(Contact.sms_status) == SmsStatus.SUBSCRIBED
    suppressed = exists().where(col(Suppression.channel) == channel.value, col(Suppression.address) == address)
    return (
        select(*leading, func.min(col(Contact.id)).label("contact_id"), address.label("address"))
        .join(members, members.c.id == col(Contact.id))
        .where(address.is_not(None), address != "", status_ok, ~suppressed)
        .group_by(address)
    )
