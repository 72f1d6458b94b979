"""Token buckets shared by every worker on every host: in Redis when configured, else in the database.

Huey's own `rate_limit` is a fixed window whose window switch is not atomic across workers, so N
workers can exceed a provider limit at window edges; a provider limit needs a true shared bucket.
`acquire` never sleeps itself: it says how long to wait, so the caller can also heartbeat its lease.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from campaign_dashboard.models import RateLimitBucket
from campaign_dashboard.services.rate_limiter import RateLimiter

__all__ = ["DatabaseRateLimiter", "RateLimiter", "RedisRateLimiter", "make_rate_limiter"]


_LUA = """
local rate = tonumber(ARGV[1]); local burst = tonumber(ARGV[2]); local need = tonumber(ARGV[3])
local initial = tonumber(ARGV[4])
local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or initial; local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= need then tokens = tokens - need else wait = (need - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
return tostring(wait)
"""


class _TokenBuckets(ABC):
    """The `RateLimiter` port's one signature and defaults; each store only takes the tokens."""

    def acquire(
        self, key: str, *, rate: float, burst: float | None = None, tokens: float = 1, start_empty: bool = False
    ) -> float:
        if rate <= 0:
            return 0.0
        burst = burst or rate
        return self._take(key, rate=rate, burst=burst, tokens=tokens, initial=0.0 if start_empty else burst)

    @abstractmethod
    def _take(self, key: str, *, rate: float, burst: float, tokens: float, initial: float) -> float:
        """Take `tokens` from the bucket (created holding `initial`): 0.0, or the seconds to wait."""


class RedisRateLimiter(_TokenBuckets):
    def __init__(self, redis_url: str, *, prefix: str = "cd:rl:") -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url)
        self._script = self._redis.register_script(_LUA)
        self._prefix = prefix

    def _take(self, key: str, *, rate: float, burst: float, tokens: float, initial: float) -> float:
        return float(self._script(keys=[self._prefix + key], args=[rate, burst, tokens, initial]))


class DatabaseRateLimiter(_TokenBuckets):
    """One row per bucket, updated under a row lock (SQLite: the write lock of BEGIN IMMEDIATE)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _take(self, key: str, *, rate: float, burst: float, tokens: float, initial: float) -> float:
        with Session(self._engine) as session:
            bucket = session.scalars(
                select(RateLimitBucket).where(col(RateLimitBucket.key) == key).with_for_update()
            ).one_or_none()
            # Read the clock only once the row is ours: a time taken before waiting for the lock
            # would move `updated_at` backwards and hand out the same refill twice.
            now = max(time.time(), bucket.updated_at if bucket else 0.0)
            if bucket is None:
                bucket = RateLimitBucket(key=key, tokens=initial, updated_at=now)
                session.add(bucket)
                try:
                    session.flush()
                except IntegrityError:  # another worker created it first: take its row
                    session.rollback()
                    return self._take(key, rate=rate, burst=burst, tokens=tokens, initial=initial)
            available = min(burst, bucket.tokens + max(0.0, now - bucket.updated_at) * rate)
            wait = 0.0
            if available >= tokens:
                available -= tokens
            else:
                wait = (tokens - available) / rate
            bucket.tokens, bucket.updated_at = available, now
            session.commit()
            return wait


def make_rate_limiter(*, redis_url: str | None, engine: Engine) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else DatabaseRateLimiter(engine)
