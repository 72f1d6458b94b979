"""The shared token bucket: however many workers ask at once, no more than `rate` per second
(after the first `burst`) is ever granted. Run against Redis and against both databases."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from campaign_dashboard.ratelimit import DatabaseRateLimiter, RedisRateLimiter
from tests.helpers.databases import REDIS_TEST_URL


def _grants(limiter, *, rate: float, seconds: float, threads: int = 6) -> tuple[int, float]:
    key = f"test:{uuid.uuid4().hex}"
    granted, lock = [], threading.Lock()
    start = time.monotonic()

    def worker():
        while (now := time.monotonic()) - start < seconds:
            if limiter.acquire(key, rate=rate, burst=1) == 0:
                with lock:
                    granted.append(now)
            else:
                time.sleep(0.005)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return len(granted), time.monotonic() - start


def _check(limiter) -> None:
    count, elapsed = _grants(limiter, rate=10, seconds=2.0)
    assert count <= 10 * elapsed + 1, f"{count} grants in {elapsed:.2f}s exceeds 10/s"
    assert count >= 10 * 2.0 * 0.7, f"only {count} grants in {elapsed:.2f}s: the bucket starves"


def test_redis_bucket_is_shared_by_concurrent_callers():
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_TEST_URL}: {exc}")
    _check(RedisRateLimiter(REDIS_TEST_URL))


def test_database_bucket_is_shared_by_concurrent_callers(engine):
    _check(DatabaseRateLimiter(engine))


def test_zero_rate_means_unlimited(engine):
    assert DatabaseRateLimiter(engine).acquire("k", rate=0) == 0


def _redis_limiter() -> RedisRateLimiter:
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_TEST_URL}: {exc}")
    return RedisRateLimiter(REDIS_TEST_URL)


def test_a_provider_bucket_lost_with_redis_starts_empty_not_full():
    """Redis restarted empty: the provider still counts the request we just made, so the next
    one must wait its interval, not go out at once."""
    limiter, key, rate = _redis_limiter(), f"test:{uuid.uuid4().hex}", 5.0
    assert limiter.acquire(key, rate=rate, burst=1, start_empty=True) == pytest.approx(1 / rate, abs=0.02)
    time.sleep(1 / rate + 0.02)
    assert limiter.acquire(key, rate=rate, burst=1, start_empty=True) == 0
    limiter._redis.delete(limiter._prefix + key)  # what a Redis restart does to it
    assert limiter.acquire(key, rate=rate, burst=1, start_empty=True) > 0


def test_a_new_bucket_starts_full_unless_asked_empty(engine):
    for limiter in (DatabaseRateLimiter(engine), _redis_limiter()):
        assert limiter.acquire(f"full:{uuid.uuid4().hex}", rate=1 / 60, burst=5) == 0
        assert limiter.acquire(f"empty:{uuid.uuid4().hex}", rate=1 / 60, burst=5, start_empty=True) > 0
