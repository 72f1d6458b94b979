"""Snapshot a campaign's audience into its recipient ledger with one INSERT ... SELECT.

The snapshot is taken when the campaign starts: segment members, minus suppressed addresses,
unsubscribed / opted-out contacts and, for a campaign with a topic, the contacts opted out of that
topic on its channel (one NOT EXISTS on `topic_opt_outs`' primary key), one row per address.
Later contact changes do not move it, which is what makes pause/resume and crash recovery exact.
The contacts the frequency cap skips are in it too, cancelled with the reason (`frequency_cap`),
so the campaign page shows who was skipped.
A campaign sent at a local time defers each row to its contact's send time (`local_time`).

On PostgreSQL a big snapshot is followed by one ANALYZE of the ledger (`refresh_statistics`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, insert, literal, select, text
from sqlmodel import Session, col

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import (
    Channel,
    Contact,
    EmailStatus,
    RecipientStatus,
    Segment,
    SmsStatus,
    Suppression,
    TopicOptOut,
    table_of,
    utcnow,
)
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.audience.segment_rules import contact_ids_select
from campaign_dashboard.services.channels import recipient_model
from campaign_dashboard.services.errors import NotFound, ValidationFailed
from campaign_dashboard.services.sending import local_time
from campaign_dashboard.services.sending.frequency_cap import FrequencyCap
from campaign_dashboard.services.sending.ledger import cancel_pending


def snapshot_audience(*, session: Session, channel: Channel, campaign: CampaignFields) -> int:
    """Insert the campaign's recipients (status pending; cancelled, with the reason, for those the
    frequency cap skips, stored on `frequency_capped`); returns how many, also stored on the
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
        topic_id=campaign.topic_id,
    )
    columns = ["campaign_id", "status", "attempts", "updated_at", "contact_id", "address"]
    session.connection().execute(insert(Recipient).from_select(columns, audience))
    cap = FrequencyCap.for_campaign(get_settings(), ignore=campaign.ignore_frequency_cap)
    if cap is not None and campaign.id is not None:
        campaign.frequency_capped = skip_capped(session, channel, campaign.id, cap, utcnow())
    local_time.stagger(session=session, channel=channel, campaign=campaign, now=utcnow())
    count = (
        session.scalar(select(func.count()).select_from(Recipient).where(col(Recipient.campaign_id) == campaign.id))
        or 0
    )
    campaign.recipients = count
    session.add(campaign)
    session.flush()
    refresh_statistics(session, channel, inserted=count)
    return count


ANALYZE_AFTER = 10_000  # recipients: below this, a plan from stale statistics costs little


def refresh_statistics(session: Session, channel: Channel, *, inserted: int) -> None:
    """ANALYZE the ledger after a big snapshot on PostgreSQL (in this transaction: it counts its own
    new rows). The workers' claims are planned from the table's statistics, which autovacuum
    refreshes only a minute or more after a big insert; until then PostgreSQL guessed one pending
    row and, for every claim of 500, read and sorted all pending rows: 330 ms per claim with
    900,000 pending (measured, docs/benchmarks.md), so a million-recipient campaign sent at half
    speed. ANALYZE reads a sample of 30,000 rows, whatever the table's size."""
    if inserted >= ANALYZE_AFTER and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {table_of(recipient_model(channel)).name}"))


def skip_capped(session: Session, channel: Channel, campaign_id: int, cap: FrequencyCap, now: datetime) -> int:
    """Skip the just-snapshotted recipients whose contact reached `cap`; returns how many."""
    Recipient = recipient_model(channel)
    reached = cap.reached(table_of(Recipient).c.contact_id, now)
    return cancel_pending(session, channel, campaign_id, now, reached, reason=f"Skipped: {cap.reason()}.")


def count_capped(
    *, session: Session, channel: Channel | str, segment_id: int, cap: FrequencyCap | None, topic_id: int | None = None
) -> int:
    """How many of the audience `count_audience` counts the cap would skip if it started now."""
    segment = session.get(Segment, segment_id)
    if cap is None or segment is None:
        return 0
    rows = audience_query(Channel(channel), segment, topic_id=topic_id).subquery()
    capped = select(func.count()).select_from(rows).where(cap.reached(rows.c.contact_id, utcnow()))
    return session.scalar(capped) or 0


def count_audience(*, session: Session, channel: str, segment_id: int, topic_id: int | None = None) -> int:
    """How many recipients a campaign on this segment (and topic) would have if it started now:
    the number shown while choosing the segment, counted by the same query the snapshot inserts from."""
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"Segment {segment_id} does not exist.")
    rows = audience_query(Channel(channel), segment, topic_id=topic_id).subquery()
    return session.scalar(select(func.count()).select_from(rows)) or 0


def audience_query(
    channel: Channel, segment: Segment, *leading: ColumnElement[Any], topic_id: int | None = None
) -> Select[*tuple[Any, ...]]:
    """`leading` columns, then (contact_id, address): segment members with a subscribed,
    unsuppressed address on `channel` (not opted out of `topic_id`), one row per address even if
    contacts share it."""
    return sendable(channel, contact_ids_select(segment=segment), *leading, topic_id=topic_id)


def sendable(
    channel: Channel, contact_ids: Select, *leading: ColumnElement[Any], topic_id: int | None = None
) -> Select[*tuple[Any, ...]]:
    """`leading` columns, then (contact_id, address): of the contacts `contact_ids` selects (one
    `id` column), those with a subscribed, unsuppressed address on `channel`, and not opted out of
    `topic_id` on it (when given), one row per address."""
    members = contact_ids.subquery()
    if Channel(channel) is Channel.EMAIL:
        address, status_ok = col(Contact.email), col(Contact.email_status) == EmailStatus.SUBSCRIBED
    else:
        address, status_ok = col(Contact.phone), col(Contact.sms_status) == SmsStatus.SUBSCRIBED
    suppressed = exists().where(col(Suppression.channel) == channel.value, col(Suppression.address) == address)
    conditions = [address.is_not(None), address != "", status_ok, ~suppressed]
    if topic_id is not None:
        conditions.append(
            ~exists().where(
                col(TopicOptOut.topic_id) == topic_id,
                col(TopicOptOut.channel) == channel.value,
                col(TopicOptOut.contact_id) == col(Contact.id),
            )
        )
    return (
        select(*leading, func.min(col(Contact.id)).label("contact_id"), address.label("address"))
        .join(members, members.c.id == col(Contact.id))
        .where(*conditions)
        .group_by(address)
    )
