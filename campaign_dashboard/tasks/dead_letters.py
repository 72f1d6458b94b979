"""The dead-letter tick: events that beat their message's commit are applied once it exists.

Runs on every worker tick (`TICK_SECONDS`, see `worker.py`) and, as a safety net, once a minute
as a Huey periodic task. Safe on any number of workers at once (see services.dead_letter_replay).
"""

from __future__ import annotations

import logging

from huey import crontab
from sqlmodel import Session

from campaign_dashboard.db import get_engine
from campaign_dashboard.services.events.dead_letter_replay import replay_dead_letters
from campaign_dashboard.tasks.queue import huey

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
def replay_dead_letters_task() -> None:
    run_dead_letter_tick()


def run_dead_letter_tick() -> None:
    with Session(get_engine(), expire_on_commit=False) as session:
        report = replay_dead_letters(session=session)
    if report:
        log.info("dead letters replayed: %s", dict(report))
