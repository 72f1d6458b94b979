"""The port every throttled call goes through: sending, segment mirroring and login attempts.

Services depend on this Protocol only; the shared token buckets behind it (Redis or the database)
live in `campaign_dashboard.ratelimit` and are handed in by the worker, the API or a test.
"""

from __future__ import annotations

from typing import Protocol


class RateLimiter(Protocol):
    def acquire(
        self, key: str, *, rate: float, burst: float | None = None, tokens: float = 1, start_empty: bool = False
    ) -> float:
        """Take `tokens` from bucket `key` (refilled at `rate`/s up to `burst`): 0.0 when taken,
        otherwise the seconds to wait before trying again. rate <= 0 means unlimited.

        `start_empty`: a bucket that does not exist yet (new, expired, or lost when Redis
        restarted empty) starts with no tokens instead of a full burst. Provider limits need it:
        the provider still counts the requests we made just before our state was lost."""
