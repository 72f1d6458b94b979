"""Campaign counters and per-minute chart buckets, changed only by atomic SQL.

Several app workers apply events for the same campaign at once, so nothing here reads a counter
into Python and writes it back: counters are `UPDATE ... SET x = x + n` and buckets are an
`INSERT ... ON CONFLICT DO UPDATE SET count = count + n` (SQLite and PostgreSQL both speak it).
Both run inside the caller's transaction, next to the event row they count.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from campaign_dashboard.models import COUNTER_FIELDS, CampaignStatsMinute
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
    the campaign as changed at `now` (the dashboard polls `last_activity_at`)."""
    if campaign_id is None:
        return
    bump_campaign(session=session, channel=channel, campaign_id=campaign_id, counters=counters, now=now)
    bump_minute(session=session, channel=channel, campaign_id=campaign_id, minute=minute_of(at), metrics=metrics)


def bump_campaign(
    *, session: Session, channel: str, campaign_id: int, counters: Mapping[str, int], now: datetime
) -> None:
    model = campaign_model(channel)
    unknown = set(counters) - set(COUNTER_FIELDS)
    if unknown:
        raise ValueError(f"not campaign counters: {sorted(unknown)}")
    values = {name: getattr(model, name) + n for name, n in counters.items() if n}
    values["last_activity_at"] = now
    session.execute(
        update(model).where(model.id == campaign_id).values(**values)
        .execution_options(synchronize_session=False)
    )


def bump_minute(
    *, session: Session, channel: str, campaign_id: int, minute: datetime, metrics: Mapping[str, int]
) -> None:
    """Add every metric to its bucket of `minute` in one multi-row upsert (one round trip)."""
    rows = [
        {"channel": str(channel), "campaign_id": campaign_id, "minute": minute, "metric": metric, "count": n}
        for metric, n in sorted(metrics.items())  # a fixed order: concurrent upserts lock buckets alike
        if n
    ]
    if not rows:
        return
    table = CampaignStatsMinute.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["channel", "campaign_id", "minute", "metric"],
        set_={"count": table.c.count + statement.excluded.count},
    )
    session.execute(statement)
