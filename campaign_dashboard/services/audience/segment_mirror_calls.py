"""How a segment sync talks to the provider without overdoing it: what it needs from outside
(`MirrorDeps`), the shared rate limit with retries and backoff (`provider_call`), one worker's
lease on the segment (`Lease`) and the cap on changes per run (`Budget`). The sync itself is in
`segment_mirror`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from campaign_dashboard.models import Segment, utcnow
from campaign_dashboard.providers.audience import AudienceProvider
from campaign_dashboard.providers.base import RetryableError
from campaign_dashboard.services.rate_limiter import RateLimiter

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # server errors on one call before the sync gives up for now (the task retries)
MAX_THROTTLED = 30  # rate-limit answers on one call before it gives up
T = TypeVar("T")


@dataclass
class MirrorDeps:
    """What a sync needs from the outside world; the worker and tests build their own."""

    engine: Engine
    provider: AudienceProvider
    limiter: RateLimiter
    bucket: str  # the rate-limit bucket of the provider account (shared with sending)
    rate: float  # provider requests per second; 0 = unlimited
    interval: timedelta = timedelta(minutes=5)  # re-check a synced segment this often
    lease: timedelta = timedelta(seconds=60)
    backoff: float = 0.5  # seconds before the first retry of a server error, doubling each time
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = utcnow


class Budget:
    """How many more provider changes this sync may make."""

    def __init__(self, calls: int) -> None:
        self.left = calls

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0

    @property
    def spent(self) -> bool:
        return self.left <= 0


class Lease:
    """One worker's hold on a segment for one sync: compare-and-set on the segment row, with the
    lease's end time as the token, so an expired lease taken over by another worker is not
    renewed or released by us."""

    def __init__(self, deps: MirrorDeps, segment_id: int, until: datetime | None) -> None:
        self.deps, self.segment_id, self.until = deps, segment_id, until

    @classmethod
    def claim(cls, deps: MirrorDeps, segment_id: int) -> Lease | None:
        now = deps.now()
        until = now + deps.lease
        claimed_until = col(Segment.resend_sync_claimed_until)
        free = or_(claimed_until.is_(None), claimed_until < now)
        with Session(deps.engine) as session:
            taken = session.exec(
                update(Segment).where(col(Segment.id) == segment_id, free).values(resend_sync_claimed_until=until)
            ).rowcount
            session.commit()
        return cls(deps, segment_id, until) if taken else None

    def renew(self) -> None:
        """Extend the lease once half of it is used up."""
        now = self.deps.now()
        if self.until is not None and self.until - now > self.deps.lease / 2:
            return
        self._set(now + self.deps.lease)

    def release(self) -> None:
        self._set(None)

    def _set(self, until: datetime | None) -> None:
        with Session(self.deps.engine) as session:
            session.exec(
                update(Segment)
                .where(
                    col(Segment.id) == self.segment_id,
                    col(Segment.resend_sync_claimed_until) == self.until,
                )
                .values(resend_sync_claimed_until=until)
            )
            session.commit()
        self.until = until


def provider_call(deps: MirrorDeps, lease: Lease | None, call: Callable[[], T]) -> T:
    """Wait for the shared rate limit, then call; retry retryable errors with backoff. A 429 that
    says when to come back (retry-after) is waited out without using up the error attempts.
    Waiting is not being dead: the segment's lease is kept alive meanwhile."""
    failures = throttled = 0
    while True:
        while (wait := deps.limiter.acquire(deps.bucket, rate=deps.rate, burst=1, start_empty=True)) > 0:
            _pause(deps, lease, min(wait, 1.0))
        if lease:
            lease.renew()
        try:
            return call()
        except RetryableError as exc:
            if exc.retry_after is not None:
                throttled += 1
                delay = exc.retry_after
            else:
                failures += 1
                delay = min(30.0, deps.backoff * 2 ** (failures - 1))
            if failures >= MAX_ATTEMPTS or throttled >= MAX_THROTTLED:
                raise
            log.info("segment mirror: %s, retry in %.1fs", exc.message, delay)
            _pause(deps, lease, delay)


def _pause(deps: MirrorDeps, lease: Lease | None, seconds: float) -> None:
    step = deps.lease.total_seconds() / 4
    while seconds > 0:
        if lease:
            lease.renew()
        deps.sleep(min(seconds, step))
        seconds -= step
