"""What the dashboard polls to show events live: cheap reads, no state kept between calls.

The UI polls `activity_marker` every second or two (one indexed row); only when it moved does it
fetch `recent_events` (new rows since the last one seen) and `minute_series` (chart buckets).
Everything lives in the database, so any number of app processes see the same feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from campaign_dashboard.models import (
    CampaignStatsMinute,
    Channel,
    EmailEvent,
    SentEmail,
    SmsCampaignRecipient,
    SmsEvent,
    id_of,
)
from campaign_dashboard.services.channels import campaign_model


@dataclass(frozen=True)
class FeedEvent:
    channel: str
    id: int
    type: str
    campaign_id: int | None
    recipient_id: int | None
    address: str | None
    link: str | None
    detail: str | None
    occurred_at: datetime
    received_at: datetime


def activity_marker(*, session: Session, channel: str, campaign_id: int) -> datetime | None:
    """When anything last changed for this campaign (send batch or event); None if no campaign."""
    model = campaign_model(channel)
    return session.exec(select(model.last_activity_at).where(model.id == campaign_id)).first()


def channel_marker(*, session: Session, channel: str) -> str:
    """Moves whenever any campaign of the channel is created, edited, deleted, changes status,
    sends a batch or records an event: the campaign lists re-read their page only then."""
    model = campaign_model(channel)
    count, updated, active = session.exec(
        select(func.count(), func.max(model.updated_at), func.max(model.last_activity_at))
    ).one()
    return f"{count}|{updated}|{active}"


def recent_events(
    *,
    session: Session,
    channel: str | None = None,
    campaign_id: int | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> list[FeedEvent]:
    """The newest events first (received after `since` when given), at most `limit`."""
    limit = max(1, min(limit, 500))
    feed: list[FeedEvent] = []
    if channel in (None, Channel.EMAIL):
        feed += _email_events(session=session, campaign_id=campaign_id, since=since, limit=limit)
    if channel in (None, Channel.SMS):
        feed += _sms_events(session=session, campaign_id=campaign_id, since=since, limit=limit)
    feed.sort(key=lambda e: (e.received_at, e.id), reverse=True)
    return feed[:limit]


def minute_series(
    *,
    session: Session,
    channel: str,
    campaign_id: int,
    metrics: Iterable[str],
    since: datetime | None = None,
) -> dict[str, list[tuple[datetime, int]]]:
    """Per-minute counts for each metric, oldest minute first (minutes with no events omitted)."""
    wanted = list(metrics)
    statement = select(CampaignStatsMinute.metric, CampaignStatsMinute.minute, CampaignStatsMinute.count).where(
        col(CampaignStatsMinute.channel) == str(channel),
        col(CampaignStatsMinute.campaign_id) == campaign_id,
        col(CampaignStatsMinute.metric).in_(wanted),
    )
    if since is not None:
        statement = statement.where(col(CampaignStatsMinute.minute) >= since)
    series: dict[str, list[tuple[datetime, int]]] = {metric: [] for metric in wanted}
    for metric, minute, count in session.exec(statement.order_by(col(CampaignStatsMinute.minute))):
        series[metric].append((minute, count))
    return series


def _email_events(*, session: Session, campaign_id, since, limit) -> list[FeedEvent]:
    statement = select(EmailEvent, SentEmail.to_address).outerjoin(
        SentEmail, col(SentEmail.id) == EmailEvent.sent_email_id
    )
    rows = session.exec(_newest(statement, EmailEvent, campaign_id, since, limit))
    return [_feed_event(Channel.EMAIL, e, address, link=e.link, detail=e.detail) for e, address in rows]


def _sms_events(*, session: Session, campaign_id, since, limit) -> list[FeedEvent]:
    statement = select(SmsEvent, SmsCampaignRecipient.address).outerjoin(
        SmsCampaignRecipient, col(SmsCampaignRecipient.id) == SmsEvent.recipient_id
    )
    rows = session.exec(_newest(statement, SmsEvent, campaign_id, since, limit))
    return [
        _feed_event(Channel.SMS, e, address, link=None, detail=f"error {e.error_code}" if e.error_code else None)
        for e, address in rows
    ]


def _feed_event(
    channel: Channel, e: EmailEvent | SmsEvent, address: str | None, *, link: str | None, detail: str | None
) -> FeedEvent:
    return FeedEvent(
        channel=channel,
        id=id_of(e),
        type=e.type,
        campaign_id=e.campaign_id,
        recipient_id=e.recipient_id,
        address=address,
        link=link,
        detail=detail,
        occurred_at=e.occurred_at,
        received_at=e.received_at,
    )


def _newest(statement, event: type[EmailEvent] | type[SmsEvent], campaign_id, since, limit):
    """`statement` narrowed to one campaign and to events received after `since`, newest first."""
    if campaign_id is not None:
        statement = statement.where(col(event.campaign_id) == campaign_id)
    if since is not None:
        statement = statement.where(col(event.received_at) > since)
    return statement.order_by(col(event.received_at).desc(), col(event.id).desc()).limit(limit)


# --- across campaigns (the overview) ---------------------------------------------------------------
# Events have no index on `received_at` alone, so a feed over every campaign goes through the
# campaigns that moved (their `last_activity_at`, on small tables) and reads each one's newest
# events by its (campaign_id, received_at) index.


@dataclass(frozen=True)
class ActiveCampaign:
    channel: str
    id: int
    name: str
    last_activity_at: datetime


def latest_activity(*, session: Session) -> datetime | None:
    """When anything last changed in any campaign: the overview's cheap "something moved" poll."""
    newest = [
        session.exec(select(func.max(model.last_activity_at))).one()
        for model in (campaign_model(Channel.EMAIL), campaign_model(Channel.SMS))
    ]
    return max((t for t in newest if t is not None), default=None)


def active_campaigns(*, session: Session, since: datetime | None = None, limit: int = 10) -> list[ActiveCampaign]:
    """The campaigns that changed after `since` (or the most recently active), newest first."""
    found: list[ActiveCampaign] = []
    for channel in (Channel.EMAIL, Channel.SMS):
        model = campaign_model(channel)
        statement = select(model.id, model.name, model.last_activity_at)
        if since is not None:
            statement = statement.where(col(model.last_activity_at) > since)
        statement = statement.order_by(col(model.last_activity_at).desc()).limit(limit)
        found += [
            ActiveCampaign(channel.value, i, name, at) for i, name, at in session.exec(statement) if i is not None
        ]
    found.sort(key=lambda c: c.last_activity_at, reverse=True)
    return found[:limit]


def recent_events_across(
    *, session: Session, campaigns: list[ActiveCampaign], since: datetime | None = None, limit: int = 30
) -> list[FeedEvent]:
    """The newest events of `campaigns` (received after `since`), newest first, at most `limit`."""
    feed: list[FeedEvent] = []
    for campaign in campaigns:
        feed += recent_events(
            session=session, channel=campaign.channel, campaign_id=campaign.id, since=since, limit=limit
        )
    feed.sort(key=lambda e: (e.received_at, e.id), reverse=True)
    return feed[:limit]
