"""Forget expired sign-ups (their email, name and phone) even when nobody signs up or follows a
link: every 15 minutes from any worker. Sign-ups and links also purge them when they are read."""

from __future__ import annotations

import logging

from huey import crontab

from campaign_dashboard.db import session_scope
from campaign_dashboard.services.audience.signups import purge_expired
from campaign_dashboard.tasks.queue import huey

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*/15"))
def purge_expired_signups_task() -> None:
    purge_expired_signups()


def purge_expired_signups() -> int:
    with session_scope() as session:
        purged = purge_expired(session=session)
    if purged:
        log.info("expired sign-ups forgotten: %s", purged)
    return purged
