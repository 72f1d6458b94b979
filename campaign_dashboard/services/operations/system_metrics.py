"""What `/metrics` reports about the whole system, read from the database at scrape time.

Every process (web replicas, workers on other hosts) writes to the same database, so totals read
there are the same whoever is scraped, and they survive restarts as Prometheus counters should.
Each read is O(campaigns) or an index probe: no scan of recipients or events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from campaign_dashboard.models import Channel, DeadLetterEvent, EmailEvent, SmsEvent
from campaign_dashboard.services import stats
from campaign_dashboard.services.channels import CAMPAIGN_MODELS
from campaign_dashboard.services.operations import workers

EVENT_TABLES: dict[Channel, type[EmailEvent] | type[SmsEvent]] = {Channel.EMAIL: EmailEvent, Channel.SMS: SmsEvent}


@dataclass(frozen=True)
class SystemSnapshot:
    totals: dict[str, dict[str, int]]  # channel -> counter (sent, delivered, failed...) -> total
    campaigns: dict[tuple[str, str], int]  # (channel, status) -> campaigns
    events_stored: dict[str, int]  # channel -> provider events stored so far (the highest id)
    dead_letters: dict[str, int]  # provider -> events parked as not (yet) applicable
    live_workers: int


def snapshot(*, session: Session, worker_timeout: timedelta) -> SystemSnapshot:
    campaigns: dict[tuple[str, str], int] = {}
    for channel, model in CAMPAIGN_MODELS.items():
        for status, count in session.exec(select(col(model.status), func.count()).group_by(col(model.status))):
            campaigns[(channel.value, status)] = count
    return SystemSnapshot(
        totals={c.value: stats.all_time_totals(session=session, channel=c) for c in CAMPAIGN_MODELS},
        campaigns=campaigns,
        # ids only grow, so the highest one counts the events ever stored, by an index probe
        events_stored={c.value: session.exec(select(func.max(col(t.id)))).one() or 0 for c, t in EVENT_TABLES.items()},
        dead_letters=dict(
            session.exec(
                select(col(DeadLetterEvent.provider), func.count()).group_by(col(DeadLetterEvent.provider))
            ).all()
        ),
        live_workers=workers.live_workers(session, timeout=worker_timeout),
    )
