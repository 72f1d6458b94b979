"""Provider adapters wrapped with metrics: one place counts every provider call, whatever the
adapter, so Resend, Twilio and the emulator are measured the same way."""

from __future__ import annotations

import re
import time
from typing import Any

from campaign_dashboard.metrics import MESSAGES, PROVIDER_LATENCY, PROVIDER_REQUESTS
from campaign_dashboard.providers.base import (
    EmailProvider,
    FatalError,
    RetryableError,
    SendResult,
    SmsProvider,
)

RATE_LIMITED = re.compile(r"\b429\b")  # the adapters name the HTTP status in every retryable message


class _Measured:
    """Times a call and counts it by outcome: ok, rate_limited (a 429), retryable, fatal, error."""

    def __init__(self, inner: Any, provider: str) -> None:
        self._inner, self._provider = inner, provider

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _call(self, method, *args, **kwargs):
        started = time.perf_counter()
        outcome = "error"
        try:
            result = method(*args, **kwargs)
            outcome = "ok"
            return result
        except RetryableError as exc:
            outcome = "rate_limited" if RATE_LIMITED.search(exc.message) else "retryable"
            raise
        except FatalError:
            outcome = "fatal"
            raise
        finally:
            PROVIDER_LATENCY.labels(self._provider).observe(time.perf_counter() - started)
            PROVIDER_REQUESTS.labels(self._provider, outcome).inc()


def _count(channel: str, results: list[SendResult]) -> None:
    accepted = sum(1 for r in results if r.accepted)
    if accepted:
        MESSAGES.labels(channel, "accepted").inc(accepted)
    if len(results) - accepted:
        MESSAGES.labels(channel, "refused").inc(len(results) - accepted)


class MeasuredEmail(_Measured):
    def __init__(self, inner: EmailProvider) -> None:
        super().__init__(inner, "resend")

    def send_batch(self, messages, *, idempotency_key: str) -> list[SendResult]:
        results = self._call(self._inner.send_batch, messages, idempotency_key=idempotency_key)
        _count("email", results)
        return results


class MeasuredSms(_Measured):
    def __init__(self, inner: SmsProvider) -> None:
        super().__init__(inner, "twilio")

    def send(self, message) -> SendResult:
        result = self._call(self._inner.send, message)
        _count("sms", [result])
        return result
