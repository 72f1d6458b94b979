"""Campaign counters and per-minute chart buckets, changed only by atomic SQL.

Several app workers apply events for the same campaign at once, so nothing here reads a counter
into Python and writes it back: counters are `UPDATE ... SET x = x + n` and buckets are an
`INSERT ... ON CONFLICT DO UPDATE SET count = count + n` (SQLite and PostgreSQL both speak it).
Both run inside the caller's transaction, next to the event row they count. The statements are
built once and reused (every webhook runs them): an event only binds its numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

from sqlalchemy import TextClause, Update, bindparam, text
from sqlmodel import Session

from campaign_dashboard.models import COUNTER_FIELDS, CampaignStatsMinute, table_of
from campaign_dashboard.services.channels import campaign_model


def minute_of(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def count_event(
    *,
    session: Session,
    channel: str,
    campaign_id: int | None,
    at: datetime,
    now: datetime,
    counters: Mapping[str, int] = {},
    metrics: Mapping[str, int] = {},
) -> None:
    """Add `counters` to the campaign row, `metrics` to the minute bucket of `at`, and mark
    the campaign as changed at `now` (the dashboard polls `last_activity_at`).

    A one-event `Tally`, so the counting rules live in one place; its `write` takes the campaign
    row first, then the bucket (the lock order of the send path too, see `Tally.write`)."""
    if campaign_id is None:
        return
    tally = Tally()
    tally.count_event(channel=channel, campaign_id=campaign_id, at=at, now=now, counters=counters, metrics=metrics)
    tally.write(session)


class Tally:
    """Counter and bucket increments gathered over several events, written in one go.

    A batch of webhook events (services/events/event_batches) would otherwise update the same hot
    campaign row and minute buckets once per event; summed here, it is one UPDATE per campaign and
    one upsert per bucket for the whole batch, in the batch's transaction (so still exact)."""

    def __init__(self) -> None:
        self.campaigns: dict[tuple[str, int], Counter[str]] = {}
        self.touched_at: dict[tuple[str, int], datetime] = {}
        self.minutes: dict[tuple[str, int, datetime], Counter[str]] = {}

    def count_event(
        self,
        *,
        channel: str,
        campaign_id: int | None,
        at: datetime,
        now: datetime,
        counters: Mapping[str, int] = {},
        metrics: Mapping[str, int] = {},
    ) -> None:
        """As the module's `count_event`, held until `write`."""
        if campaign_id is None:
            return
        key = (str(channel), campaign_id)
        self.campaigns.setdefault(key, Counter()).update(counters)
        self.touched_at[key] = max(now, self.touched_at.get(key, now))
        self.bump_minute(channel=channel, campaign_id=campaign_id, minute=minute_of(at), metrics=metrics)

    def bump_minute(self, *, channel: str, campaign_id: int, minute: datetime, metrics: Mapping[str, int]) -> None:
        self.minutes.setdefault((str(channel), campaign_id, minute), Counter()).update(metrics)

    def write(self, session: Session) -> None:
        """Campaign rows in id order, then buckets in key order: every writer takes these locks in
        the same order (campaign row before its buckets, as the send path does), so no two
        transactions wait for each other in a cycle on PostgreSQL."""
        for (channel, campaign_id), counters in sorted(self.campaigns.items()):
            bump_campaign(
                session=session,
                channel=channel,
                campaign_id=campaign_id,
                counters=counters,
                now=self.touched_at[(channel, campaign_id)],
            )
        for (channel, campaign_id, minute), metrics in sorted(self.minutes.items()):
            bump_minute(session=session, channel=channel, campaign_id=campaign_id, minute=minute, metrics=metrics)
        self.campaigns.clear()
        self.touched_at.clear()
        self.minutes.clear()


def bump_campaign(
    *, session: Session, channel: str, campaign_id: int, counters: Mapping[str, int], now: datetime
) -> None:
    unknown = set(counters) - set(COUNTER_FIELDS)
    if unknown:
        raise ValueError(f"not campaign counters: {sorted(unknown)}")
    names = tuple(sorted(name for name, n in counters.items() if n))
    params = {f"add_{name}": counters[name] for name in names}
    session.execute(_campaign_update(str(channel), names), {"campaign_id": campaign_id, "now": now, **params})


@lru_cache(maxsize=256)
def _campaign_update(channel: str, names: tuple[str, ...]) -> Update:
    """`UPDATE <campaigns> SET x = x + :add_x, ..., last_activity_at = :now WHERE id = :campaign_id`,
    built once per set of counters: the event path then only binds numbers (no statement building)."""
    table = table_of(campaign_model(channel))
    values = {name: table.c[name] + bindparam(f"add_{name}") for name in names}
    return (
        table.update().where(table.c.id == bindparam("campaign_id")).values(last_activity_at=bindparam("now"), **values)
    )


def bump_minute(
    *, session: Session, channel: str, campaign_id: int, minute: datetime, metrics: Mapping[str, int]
) -> None:
    """Add every metric to its bucket of `minute` (one upsert statement, executed per metric)."""
    rows = [
        {"channel": str(channel), "campaign_id": campaign_id, "minute": minute, "metric": metric, "count": n}
        for metric, n in sorted(metrics.items())  # a fixed order: concurrent upserts lock buckets alike
        if n
    ]
    if rows:
        session.execute(_minute_upsert(session.get_bind().dialect.name), rows)


@lru_cache(maxsize=4)
def _minute_upsert(dialect: str) -> TextClause:
    """`INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count`, which SQLite and
    PostgreSQL spell alike. Plain SQL text because SQLAlchemy cannot cache the compiled form of
    its dialect upserts (it rebuilt this statement for every event)."""
    table = CampaignStatsMinute.__tablename__
    return text(
        f"INSERT INTO {table} (channel, campaign_id, minute, metric, count) "
        "VALUES (:channel, :campaign_id, :minute, :metric, :count) "
        "ON CONFLICT (channel, campaign_id, minute, metric) "
        f"DO UPDATE SET count = {table}.count + excluded.count"
    ).bindparams(bindparam("minute", type_=table_of(CampaignStatsMinute).c.minute.type))
