"""Huey tasks that keep Resend Segments in step with our segments (services.segment_mirror).

The segments API queues a sync right after a change; the tick is the safety net and the clock:
it queues segments that are due (changed, never synced, or not checked for an interval) and the
remote deletions left to do. Every task is safe to run twice or at once: the segment's lease and
the recorded members decide what is left to do. Nothing runs unless mirroring is on
(`Settings.mirrors_segments`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache

from huey import crontab
from sqlmodel import Session

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import get_engine
from campaign_dashboard.models import utcnow
from campaign_dashboard.providers.resend_audience import ResendAudienceProvider
from campaign_dashboard.ratelimit import make_rate_limiter
from campaign_dashboard.services.audience import segment_mirror
from campaign_dashboard.services.audience.segment_mirror import MirrorDeps
from campaign_dashboard.services.sending import resend_bucket
from campaign_dashboard.tasks.queue import huey

log = logging.getLogger(__name__)

CALLS_PER_TASK = 500  # then the task queues its continuation, so other work gets a turn


@lru_cache
def mirror_deps() -> MirrorDeps:
    settings = get_settings()
    engine = get_engine()
    return MirrorDeps(
        engine=engine,
        provider=ResendAudienceProvider(
            api_key=settings.effective_resend_api_key, api_url=settings.effective_resend_api_url
        ),
        limiter=make_rate_limiter(redis_url=settings.redis_url, engine=engine),
        bucket=resend_bucket(settings.effective_resend_api_key),
        rate=settings.resend_requests_per_second,
        interval=timedelta(seconds=settings.resend_mirror_interval_seconds),
        lease=_lease(settings),
    )


def _lease(settings) -> timedelta:
    return timedelta(seconds=max(settings.send_lease_seconds, 5))


# Retryable provider errors that outlast the in-call retries come back here: Huey runs the task
# again later (10 s, then doubling), and it continues where the last run stopped.
@huey.task(retries=5, retry_delay=10, retry_backoff=2)
def mirror_segment(segment_id: int) -> None:
    if not get_settings().mirrors_segments:
        return
    result = segment_mirror.sync_segment(deps=mirror_deps(), segment_id=segment_id, max_calls=CALLS_PER_TASK)
    if result.claimed and not result.done and result.error is None:
        mirror_segment(segment_id)  # the call budget ran out: continue in a new task
    log.info("segment %s mirrored: %s", segment_id, result)


@huey.task(retries=5, retry_delay=10, retry_backoff=2)
def delete_remote_segment(remote_id: str) -> None:
    if get_settings().mirrors_segments:
        segment_mirror.delete_remote(deps=mirror_deps(), remote_id=remote_id)


@huey.periodic_task(crontab(minute="*"))
def mirror_tick() -> None:
    """Once a minute from any consumer; `campaign-dashboard worker` also ticks more often."""
    run_mirror_tick()


def run_mirror_tick() -> None:
    if not get_settings().mirrors_segments:
        return
    deps = mirror_deps()
    with Session(deps.engine) as session:
        due = segment_mirror.take_due_segments(session=session, now=deps.now(), hold=deps.lease)
        deletions = segment_mirror.take_due_deletions(session=session, now=deps.now(), hold=deps.lease)
    for segment_id in due:
        mirror_segment(segment_id)
    for remote_id in deletions:
        delete_remote_segment(remote_id)


def queue_sync(segment_id: int) -> None:
    """Queue a sync after a change; if the queue is unreachable the tick will do it."""
    if not get_settings().mirrors_segments:
        return
    try:
        mirror_segment(segment_id)
    except Exception:  # noqa: BLE001 - the change stands; the tick recovers
        log.exception("could not queue the Resend sync of segment %s; the tick will", segment_id)


def queue_remote_deletions() -> None:
    """Queue the remote deletions left to do (right after a segment was deleted)."""
    if not get_settings().mirrors_segments:
        return
    try:
        with Session(get_engine()) as session:
            deletions = segment_mirror.take_due_deletions(session=session, now=utcnow(), hold=_lease(get_settings()))
        for remote_id in deletions:
            delete_remote_segment(remote_id)
    except Exception:  # noqa: BLE001 - the tick recovers
        log.exception("could not queue remote segment deletions; the tick will")
