"""The reputation breaker: an email campaign whose first deliveries bring too many hard bounces or
complaints pauses itself, before the rest of its list costs the sender's reputation.

Rule (docs/breaker.md): over the campaign's first `BREAKER_WINDOW` delivered messages (default
500), hard bounces above `BREAKER_HARD_BOUNCE_RATE` (5%) or complaints above
`BREAKER_COMPLAINT_RATE` (0.1%) of them. The rate is taken against the window, never against the
few deliveries of the first seconds: it trips as soon as the window's rate is certain to pass
the limit (with 500 and 5%: the 26th hard bounce), or against the whole audience when it is
smaller than the window. Once N messages are delivered the campaign has proven its list and the
breaker stops watching it.

It is checked in the transaction of each counted hard bounce or complaint, right after
`counters.count_event` wrote it, so several web processes agree (the database is the only
memory) and the pause lands with the event that caused it: complaints come from the campaign
row's counter, hard bounces from the `hard_bounced` minute buckets the same event wrote. The pause
is a lifecycle pause (the worker stops at its next chunk), in the audit log as done by the
system; only a person's resume moves the campaign on, and the breaker then leaves it alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlmodel import Session

from campaign_dashboard.config import Settings, get_settings
from campaign_dashboard.models import (
    BreakerState,
    CampaignStatsMinute,
    CampaignStatus,
    Channel,
    EmailCampaign,
    table_of,
)
from campaign_dashboard.services.accounts import audit
from campaign_dashboard.services.campaigns.actions import pause_for_breaker

HARD_BOUNCED = "hard_bounced"  # the minute-bucket metric of hard bounces (`bounced` counts soft ones too)
WHO = "reputation breaker"  # the audit log's actor

CAMPAIGNS = table_of(EmailCampaign)
BUCKETS = table_of(CampaignStatsMinute)
WATCHED = select(
    CAMPAIGNS.c.status, CAMPAIGNS.c.breaker, CAMPAIGNS.c.recipients, CAMPAIGNS.c.delivered, CAMPAIGNS.c.complained
).where(CAMPAIGNS.c.id == bindparam("campaign_id"))
HARD_BOUNCES: Select = select(func.coalesce(func.sum(BUCKETS.c.count), 0)).where(
    BUCKETS.c.channel == Channel.EMAIL.value,
    BUCKETS.c.campaign_id == bindparam("campaign_id"),
    BUCKETS.c.metric == HARD_BOUNCED,
)


@dataclass(frozen=True)
class Limits:
    """The breaker's settings; `enabled` False: it never trips."""

    enabled: bool = True
    window: int = 500
    hard_bounce_rate: float = 0.05
    complaint_rate: float = 0.001

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            enabled=settings.breaker_enabled,
            window=settings.breaker_window,
            hard_bounce_rate=settings.breaker_hard_bounce_rate,
            complaint_rate=settings.breaker_complaint_rate,
        )


@dataclass(frozen=True)
class Trip:
    """What passed the limit, in numbers and in the words the campaign page shows."""

    what: str  # "hard bounces" | "complaints"
    count: int
    delivered: int
    base: int  # the messages the rate is taken against
    limit: float

    @property
    def rate(self) -> float:
        return self.count / self.base

    @property
    def reason(self) -> str:
        what = self.what if self.count != 1 else self.what[:-1]  # "1 complaint"
        return (
            f"Paused by the reputation breaker: {self.count:,} {what} with {self.delivered:,} delivered, "
            f"already {_percent(self.rate)} of the first {self.base:,} messages (the limit is {_percent(self.limit)}). "
            "Check where these addresses came from before you resume."
        )


def paused_by_breaker(campaign: Any) -> bool:
    """Whether `campaign` (either channel's row) is paused by the breaker and waits for a person."""
    return campaign.status == CampaignStatus.PAUSED and campaign.breaker == BreakerState.TRIPPED


def watches(counted: Mapping[str, int]) -> bool:
    """Whether an event that counted `counted` (its minute-bucket metrics) is one the breaker checks."""
    return bool(counted.get(HARD_BOUNCED) or counted.get("complained"))


def check(
    *, session: Session, campaign_id: int | None, counted: Mapping[str, int], limits: Limits | None = None
) -> Trip | None:
    """After an event was counted (`counted`: its minute-bucket metrics): if it was a hard bounce
    or a complaint, pause the campaign when it passed a limit; the caller commits. Returns what
    tripped, if it did."""
    if campaign_id is None or not watches(counted):
        return None
    limits = limits or Limits.from_settings(get_settings())
    if not limits.enabled:
        return None
    row = session.execute(WATCHED, {"campaign_id": campaign_id}).first()
    if row is None or row.status != CampaignStatus.SENDING or row.breaker is not None:
        return None
    if row.delivered >= limits.window:
        return None  # past its first N deliveries: the list has proven itself
    trip = evaluate(
        limits,
        delivered=row.delivered,
        recipients=row.recipients,
        hard_bounces=int(session.execute(HARD_BOUNCES, {"campaign_id": campaign_id}).scalar_one()),
        complaints=row.complained,
    )
    if trip is None or not pause_for_breaker(
        session=session, channel=Channel.EMAIL, campaign_id=campaign_id, reason=trip.reason
    ):
        return None
    audit.record(
        session,
        system=WHO,
        action="email_campaign.pause",
        object_type="email_campaign",
        object_id=campaign_id,
        detail={"reason": trip.reason, trip.what.replace(" ", "_"): trip.count, "delivered": trip.delivered},
    )
    return trip


def evaluate(limits: Limits, *, delivered: int, recipients: int, hard_bounces: int, complaints: int) -> Trip | None:
    """The limit passed, hard bounces first; None when neither is. The rate is against the larger
    of what was delivered and the window (or the whole audience, when that is smaller)."""
    base = max(delivered, min(limits.window, recipients), 1)
    for what, count, limit in (
        ("hard bounces", hard_bounces, limits.hard_bounce_rate),
        ("complaints", complaints, limits.complaint_rate),
    ):
        if count > limit * base:
            return Trip(what=what, count=count, delivered=delivered, base=base, limit=limit)
    return None


def _percent(rate: float) -> str:
    """5% / 0.1% / 5.2%: as few digits as say it."""
    return f"{rate * 100:.2g}%" if rate < 0.01 else f"{rate * 100:.3g}%"
