"""Is any worker alive? Workers write a heartbeat row every few seconds; readers compare the
newest one with a timeout. Campaigns only move while a worker runs, so the dashboard and
`/api/ready` must be able to say "no worker" instead of leaving a campaign in "sending" unexplained.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from campaign_dashboard.models import CampaignStatus, EmailCampaign, SmsCampaign, WorkerHeartbeat, utcnow

# Rows of workers gone for this long are removed, so the table holds about one row per live worker.
FORGET_AFTER = timedelta(days=1)
WAITING_STATUSES = (CampaignStatus.SENDING.value, CampaignStatus.SCHEDULED.value)


def beat(
    session: Session,
    *,
    worker_id: str,
    hostname: str,
    pid: int,
    started_at: datetime,
    now: datetime | None = None,
) -> None:
    """Record that worker `worker_id` is alive now (one row per worker process)."""
    now = now or utcnow()
    row = session.get(WorkerHeartbeat, worker_id)
    if row is None:
        session.add(
            WorkerHeartbeat(worker_id=worker_id, hostname=hostname[:200], pid=pid, started_at=started_at, seen_at=now)
        )
        session.exec(delete(WorkerHeartbeat).where(col(WorkerHeartbeat.seen_at) < now - FORGET_AFTER))
    else:
        row.seen_at = now
        session.add(row)
    session.commit()


def last_seen(session: Session) -> datetime | None:
    """When any worker last wrote its heartbeat (None: never)."""
    return session.exec(select(func.max(col(WorkerHeartbeat.seen_at)))).one()


def live_workers(session: Session, *, timeout: timedelta, now: datetime | None = None) -> int:
    """How many workers wrote a heartbeat within `timeout`."""
    since = (now or utcnow()) - timeout
    return session.exec(select(func.count()).where(col(WorkerHeartbeat.seen_at) >= since)).one()


@dataclass(frozen=True)
class WorkerWarning:
    """Campaigns are waiting for a worker and none has been seen within the timeout."""

    waiting_campaigns: int
    last_seen: datetime | None


def missing_worker(session: Session, *, timeout: timedelta, now: datetime | None = None) -> WorkerWarning | None:
    """A warning when campaigns are sending or scheduled and no worker is alive; else None."""
    if live_workers(session, timeout=timeout, now=now):
        return None
    waiting = sum(
        session.exec(select(func.count()).select_from(model).where(col(model.status).in_(WAITING_STATUSES))).one()
        for model in (EmailCampaign, SmsCampaign)
    )
    if not waiting:
        return None
    return WorkerWarning(waiting_campaigns=waiting, last_seen=last_seen(session))
