"""Sliding-window limits, the way providers enforce them: a request over the limit is refused, not queued.

A rate `r` becomes "at most n requests in any window of n/r seconds" with n = round(r) (at least 1),
so 5/s is 5 per second and 0.5/s is 1 per 2 seconds. Refused requests do not use up the window.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_s: float  # seconds until the oldest request leaves the window
    window_s: float = 1.0  # the window's length: `ratelimit-policy: <limit>;w=<seconds>`

    def headers(self) -> dict[str, str]:
        """IETF draft `ratelimit-*` headers (what Resend sends), plus `retry-after` when refused."""
        if self.limit == 0:
            return {}
        reset = str(max(1, math.ceil(self.reset_s)))
        out = {
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(self.remaining),
            "ratelimit-reset": reset,
            "ratelimit-policy": f"{self.limit};w={max(1, math.ceil(self.window_s))}",
        }
        if not self.allowed:
            out["retry-after"] = reset
        return out


class SlidingWindow:
    """One limit (a team, a sender). Thread-safe; O(1) amortised per call."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.limit = max(1, round(rate)) if rate > 0 else 0
        self.window = self.limit / rate if rate > 0 else 0.0
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def hit(self, now: float | None = None) -> Verdict:
        if self.limit == 0:
            return Verdict(True, 0, 0, 0.0)
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._times
            while times and times[0] <= now - self.window:
                times.popleft()
            allowed = len(times) < self.limit
            if allowed:
                times.append(now)
            reset = times[0] + self.window - now if times else 0.0
            return Verdict(allowed, self.limit, self.limit - len(times), reset, self.window)


class Limiters:
    """Named windows at one rate (one per Twilio sender); rebuilt when the rate changes."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._windows: dict[str, SlidingWindow] = {}
        self._lock = threading.Lock()

    def hit(self, name: str, rate: float) -> Verdict:
        with self._lock:
            if rate != self.rate:
                self.rate, self._windows = rate, {}
            window = self._windows.get(name)
            if window is None:
                window = self._windows[name] = SlidingWindow(rate)
        return window.hit()
