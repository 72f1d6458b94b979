"""Headline numbers for the dashboard: across all campaigns for a period, or for one campaign.

Never a scan of recipients or events: "all time" sums the counter columns of the campaign rows,
a shorter period sums the per-minute buckets (`campaign_stats_minutes`) of the campaigns that
were active in it. Every counter the event handlers and the send path bump has a bucket of the
same name, so both reads agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from campaign_dashboard.models import CampaignStatsMinute, Channel, EmailEvent, utcnow
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.channels import CAMPAIGN_MODELS, campaign_model
from campaign_dashboard.services.errors import NotFound, ValidationFailed
from campaign_dashboard.services.events.counters import minute_of
from campaign_dashboard.services.stats.numbers import AUDIENCE_COUNTERS, METRICS, StatsSummary, progress

# The period selector's choices: key -> (label, length; None = since the beginning).
PERIODS: dict[str, tuple[str, timedelta | None]] = {
    "24h": ("Last 24 hours", timedelta(hours=24)),
    "7d": ("Last 7 days", timedelta(days=7)),
    "30d": ("Last 30 days", timedelta(days=30)),
    "all": ("All time", None),
}


def period_summary(*, session: Session, period: str = "all", now: datetime | None = None) -> StatsSummary:
    """Totals over every campaign of both channels for one of `PERIODS`.

    A period starts on a whole minute (buckets are per minute), `length` before `now`.
    """
    if period not in PERIODS:
        raise ValidationFailed(
            f"Unknown period {period!r}; use one of {', '.join(PERIODS)}.",
            details=[{"field": "period", "message": "unknown period"}],
        )
    length = PERIODS[period][1]
    since = None if length is None else minute_of((now or utcnow()) - length)
    per_channel = {
        channel: _counter_sums(session, channel) if since is None else _bucket_sums(session, channel, since)
        for channel in CAMPAIGN_MODELS
    }
    return _summary(per_channel)


def campaign_summary(*, session: Session, channel: str, campaign_id: int) -> StatsSummary | None:
    """One campaign's numbers from its counter columns; None if it does not exist."""
    campaign = session.get(campaign_model(channel), campaign_id, populate_existing=True)  # fresh counters
    return None if campaign is None else summary_of(campaign, channel)


def summary_of(campaign: CampaignFields, channel: str) -> StatsSummary:
    """The numbers of a campaign row already read."""
    summary = _summary({Channel(channel): {m: getattr(campaign, m) for m in METRICS}})
    summary.status, summary.progress = campaign.status, progress(campaign)
    for name in AUDIENCE_COUNTERS:
        setattr(summary, name, getattr(campaign, name))
    return summary


def campaign_stats(*, session: Session, channel: str, campaign_id: int) -> dict[str, Any]:
    """One campaign's headline numbers as the API returns them, from its counter columns (never a
    scan of the recipients); NotFound if it does not exist."""
    campaign = session.get(campaign_model(channel), campaign_id)
    if campaign is None:
        raise NotFound(f"{Channel(channel).value.capitalize()} campaign {campaign_id} does not exist.")
    return summary_of(campaign, channel).as_dict()


def top_links(*, session: Session, campaign_id: int, limit: int = 10) -> list[tuple[str, int]]:
    """The campaign's clicked links with their click counts, most clicked first (one grouped read
    over the campaign's click events)."""
    clicks = func.count().label("clicks")
    statement = (
        select(EmailEvent.link, clicks)
        .where(EmailEvent.campaign_id == campaign_id, EmailEvent.type == "clicked", EmailEvent.link.is_not(None))
        .group_by(EmailEvent.link)
        .order_by(clicks.desc(), EmailEvent.link)
        .limit(max(1, min(limit, 100)))
    )
    return [(link, count) for link, count in session.exec(statement)]


def all_time_totals(*, session: Session, channel: Channel) -> dict[str, int]:
    """Every counter of `METRICS` summed over the channel's campaigns (for `/metrics`)."""
    return _counter_sums(session, channel)


def _counter_sums(session: Session, channel: Channel) -> dict[str, int]:
    model = CAMPAIGN_MODELS[channel]
    row = session.exec(select(*[func.coalesce(func.sum(getattr(model, m)), 0) for m in METRICS])).one()
    return {metric: int(value) for metric, value in zip(METRICS, row, strict=True)}


def _bucket_sums(session: Session, channel: Channel, since: datetime) -> dict[str, int]:
    """Sum the buckets from `since` on. Only campaigns active since then can have such buckets
    (every event bumps `last_activity_at` to at least its own time), so the read goes through
    the (channel, campaign_id, minute, metric) index of those few campaigns only."""
    model = CAMPAIGN_MODELS[channel]
    active = select(model.id).where(model.last_activity_at >= since)
    B = CampaignStatsMinute
    statement = (
        select(B.metric, func.sum(B.count))
        .where(B.channel == channel.value, B.campaign_id.in_(active), B.minute >= since, B.metric.in_(METRICS))
        .group_by(B.metric)
    )
    sums = dict.fromkeys(METRICS, 0)
    sums.update({metric: int(total) for metric, total in session.exec(statement)})
    return sums


def _summary(per_channel: dict[Channel, dict[str, int]]) -> StatsSummary:
    email = per_channel.get(Channel.EMAIL, {})
    sms = per_channel.get(Channel.SMS, {})
    both = {m: email.get(m, 0) + sms.get(m, 0) for m in METRICS}
    return StatsSummary(
        **both,
        email_sent=email.get("sent", 0),
        email_delivered=email.get("delivered", 0),
        sms_sent=sms.get("sent", 0),
        sms_delivered=sms.get("delivered", 0),
    )
