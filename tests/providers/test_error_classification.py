"""The adapters classify the providers' documented errors (issue 10 §6), driven through the real
SDKs against the emulator answering with each documented error body.

Resend: https://resend.com/docs/api-reference/errors (name + status); Twilio: error 21611 (the
sender's queue is full: retry later) and 21610 (the recipient unsubscribed: suppress)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from campaign_dashboard.config import EMULATOR_RESEND_KEY, EMULATOR_TWILIO_SID, EMULATOR_TWILIO_TOKEN
from campaign_dashboard.emulator import create_emulator_app, running
from campaign_dashboard.providers.base import (
    FatalError,
    OutgoingEmail,
    OutgoingSms,
    QuotaExceeded,
    RetryableError,
)
from campaign_dashboard.providers.resend_email import ResendEmailProvider
from campaign_dashboard.providers.twilio_sms import TwilioSmsProvider


@pytest.fixture
def emulator() -> Iterator[str]:
    with running(create_emulator_app({"webhooks": False, "resend_rps": 0, "twilio_mps": 0})) as url:
        yield url


def inject(url: str, **error) -> None:
    httpx.post(f"{url}/_emulator/inject-error", json=error, timeout=10).raise_for_status()


def stats(url: str) -> dict:
    return httpx.get(f"{url}/_emulator/stats", timeout=10).json()


def emails(n: int) -> list[OutgoingEmail]:
    return [
        OutgoingEmail(to=f"r{i}@example.com", from_email="news@example.com", subject="Hi", html="<p>x</p>", text="x")
        for i in range(n)
    ]


@pytest.fixture
def resend_provider(emulator: str) -> ResendEmailProvider:
    return ResendEmailProvider(api_key=EMULATOR_RESEND_KEY, api_url=emulator)


@pytest.fixture
def twilio_provider(emulator: str) -> TwilioSmsProvider:
    return TwilioSmsProvider(account_sid=EMULATOR_TWILIO_SID, auth_token=EMULATOR_TWILIO_TOKEN, api_url=emulator)


@pytest.mark.parametrize("name", ["daily_quota_exceeded", "monthly_quota_exceeded"])
def test_a_used_up_quota_pauses_instead_of_retrying_like_a_rate_limit(emulator, resend_provider, name):
    inject(emulator, provider="resend", status=429, name=name, message="You have reached your quota.")
    with pytest.raises(QuotaExceeded) as raised:
        resend_provider.send_batch(emails(3), idempotency_key="k-quota")
    assert name in raised.value.message and "quota" in raised.value.message
    assert not isinstance(raised.value, RetryableError)


def test_an_invalid_from_address_fails_the_campaign_with_one_request_not_a_hundred(emulator, resend_provider):
    inject(
        emulator,
        provider="resend",
        status=422,
        name="invalid_from_address",
        times=200,
        message="Invalid `from` field. The email address needs to follow the `email@example.com` format.",
    )
    with pytest.raises(FatalError, match="invalid_from_address"):
        resend_provider.send_batch(emails(100), idempotency_key="k-from")
    assert stats(emulator)["errors"] == 1, "no fallback to single sends: the sender is wrong for everyone"


def test_an_invalid_idempotent_request_fails_the_chunk_without_retrying(emulator, resend_provider):
    inject(
        emulator,
        provider="resend",
        status=409,
        name="invalid_idempotent_request",
        times=200,
        message="Same idempotency key used with a different request payload.",
    )
    results = resend_provider.send_batch(emails(5), idempotency_key="k-409")
    assert [r.accepted for r in results] == [False] * 5
    assert all("invalid_idempotent_request" in r.error and "k-409" in r.error for r in results)
    assert stats(emulator)["errors"] == 1


def test_a_security_error_is_not_retried(emulator, resend_provider):
    inject(
        emulator,
        provider="resend",
        status=451,
        name="security_error",
        message="We may have found a security issue with the request.",
    )
    [result] = resend_provider.send_batch(emails(1), idempotency_key="k-451")
    assert not result.accepted and "security_error" in result.error
    assert stats(emulator)["errors"] == 1 and stats(emulator)["accepted"] == 0


def test_a_rate_limit_is_still_retryable(emulator, resend_provider):
    inject(emulator, provider="resend", status=429, name="rate_limit_exceeded", message="Too many requests.")
    with pytest.raises(RetryableError):
        resend_provider.send_batch(emails(1), idempotency_key="k-429")


def test_twilio_queue_full_is_retryable_not_a_recipient_failure(emulator, twilio_provider):
    inject(
        emulator,
        provider="twilio",
        status=400,
        code=21611,
        message="This 'From' number has exceeded the maximum number of queued messages",
    )
    with pytest.raises(RetryableError) as raised:
        twilio_provider.send(OutgoingSms(to="+12125550100", body="hi", from_number="+15005550006"))
    assert "21611" in raised.value.message and raised.value.retry_after and raised.value.retry_after > 0
    sent = twilio_provider.send(OutgoingSms(to="+12125550100", body="hi", from_number="+15005550006"))
    assert sent.accepted, "the next try goes through once the queue drained"


def test_twilio_unsubscribed_recipient_is_marked_for_local_suppression(emulator, twilio_provider):
    httpx.post(f"{emulator}/_emulator/opt-out", json={"number": "+12125550101"}, timeout=10).raise_for_status()
    result = twilio_provider.send(OutgoingSms(to="+12125550101", body="hi", from_number="+15005550006"))
    assert not result.accepted and result.opted_out and "21610" in result.error
