"""Email through the official `resend` SDK (batch endpoint, Idempotency-Key)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import requests
import resend
from resend.exceptions import ResendError
from resend.http_client import HTTPClient

from campaign_dashboard.providers.base import (
    CredentialCheck,
    FatalError,
    OutgoingEmail,
    QuotaExceeded,
    RetryableError,
    SendResult,
)

log = logging.getLogger(__name__)

FATAL_CODES = {"401", "403"}
# https://resend.com/docs/api-reference/errors: the error's `name` (the SDK's `error_type`) says
# more than its status. Quotas last until the day or month turns: retrying for hours helps nobody.
QUOTA_ERRORS = {"daily_quota_exceeded", "monthly_quota_exceeded"}
# The sender itself is refused: every message of the campaign would be.
CAMPAIGN_ERRORS = {"invalid_from_address"}
# Retrieving an email that cannot exist needs a valid key and costs nothing: 404 means accepted.
NO_SUCH_EMAIL = "00000000-0000-0000-0000-000000000000"


class _KeepAliveClient(HTTPClient):
    """The SDK's default client opens a new connection per call; keep one session per thread."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._local = threading.local()

    def request(
        self, method: str, url: str, headers: Mapping[str, str], json: Any = None, files: Any = None, data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        try:
            resp = session.request(
                method,
                url,
                headers=headers,
                json=json if data is None else None,
                data=data,
                files=files,
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise RuntimeError(f"Request failed: {exc}") from exc
        return resp.content, resp.status_code, resp.headers


class ResendEmailProvider:
    max_batch = 100

    def __init__(self, *, api_key: str, api_url: str, timeout: float = 20.0) -> None:
        # The SDK keeps its configuration in module globals: one account per process.
        resend.api_key = api_key
        resend.api_url = api_url.rstrip("/")
        resend.default_http_client = _KeepAliveClient(timeout)

    def send_batch(self, messages: list[OutgoingEmail], *, idempotency_key: str) -> list[SendResult]:
        if not messages:
            return []
        if len(messages) > self.max_batch:
            raise ValueError(f"at most {self.max_batch} emails per batch call")
        params = [self._params(m) for m in messages]
        try:
            response = resend.Batch.send(params, {"idempotency_key": idempotency_key})
        except resend.exceptions.ResendError as exc:
            return self._classify(exc, messages, idempotency_key)
        ids = [item["id"] for item in response["data"]]
        if len(ids) != len(messages):
            raise RetryableError(f"Resend answered {len(ids)} ids for {len(messages)} emails")
        return [SendResult(provider_message_id=i) for i in ids]

    def check_credentials(self) -> CredentialCheck:
        try:
            resend.Emails.get(NO_SUCH_EMAIL)
        except resend.exceptions.ResendError as exc:
            code = str(exc.code)
            if code == "404":
                return CredentialCheck("valid", "Resend accepted the API key.")
            if exc.error_type == "restricted_api_key":
                return CredentialCheck("valid", f"Resend accepted the API key (sending access only): {exc.message}")
            if code in FATAL_CODES:
                return CredentialCheck("invalid", f"Resend {code} {exc.error_type}: {exc.message}")
            where = f" at {resend.api_url}" if exc.error_type == "HttpClientError" else ""
            return CredentialCheck("unknown", f"Could not ask Resend{where} ({code} {exc.error_type}): {exc.message}")
        return CredentialCheck("valid", "Resend accepted the API key.")

    def _classify(
        self, exc: resend.exceptions.ResendError, messages: list[OutgoingEmail], idempotency_key: str
    ) -> list[SendResult]:
        code, name = str(exc.code), exc.error_type
        if name in QUOTA_ERRORS:
            raise QuotaExceeded(f"Resend {code} {name}: {exc.message}")
        if code == "429" or code.startswith("5") or name in ("HttpClientError", "concurrent_idempotent_requests"):
            raise RetryableError(f"Resend {code}: {exc.message}", retry_after=_retry_after(exc.headers))
        if code in FATAL_CODES:
            raise FatalError(f"Resend rejected the API key ({code} {name}): {exc.message}")
        if name in CAMPAIGN_ERRORS or ("domain" in exc.message.lower() and "verif" in exc.message.lower()):
            raise FatalError(f"Resend refused the sender ({code} {name}): {exc.message}")
        if name == "invalid_idempotent_request":
            # The key was used before with other content: the same key can never succeed, and a
            # new key could send twice what the first request already sent. Fail these recipients.
            reason = (
                f"Resend {code} {name}: the idempotency key {idempotency_key} was already used "
                f"with different content, so this chunk was not sent again (an earlier attempt "
                f"may have reached these recipients): {exc.message}"
            )
            log.error(
                "%s (%d recipients, first %s): the chunk's content changed between attempts; "
                "investigate before re-sending them",
                reason,
                len(messages),
                messages[0].to,
            )
            return [SendResult(error=reason) for _ in messages]
        if code in ("400", "422", "451") and len(messages) > 1:
            # One bad message fails the whole batch: send one by one so only it is refused.
            return [self._send_one(m, f"{idempotency_key}-{i}") for i, m in enumerate(messages)]
        if code in ("400", "422", "451"):  # 451 security_error: not retryable
            return [SendResult(error=f"Resend {code} {name}: {exc.message}")]
        raise RetryableError(f"Resend {code}: {exc.message}")

    def _send_one(self, message: OutgoingEmail, idempotency_key: str) -> SendResult:
        try:
            response = resend.Emails.send(self._params(message), {"idempotency_key": idempotency_key})
        except resend.exceptions.ResendError as exc:
            return self._classify(exc, [message], idempotency_key)[0]
        return SendResult(provider_message_id=response["id"])

    @staticmethod
    def _params(m: OutgoingEmail) -> resend.Emails.SendParams:
        params: resend.Emails.SendParams = {
            "from": m.from_email,
            "to": [m.to],
            "subject": m.subject,
            "html": m.html,
            "text": m.text,
            "headers": dict(m.headers),
            "tags": [{"name": k, "value": v} for k, v in m.tags.items()],
        }
        if m.reply_to:
            params["reply_to"] = m.reply_to
        return params


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        return float(lowered["retry-after"])
    except (KeyError, ValueError):
        return None


def raise_shared_failure(exc: ResendError) -> None:
    """The failures every Resend call shares, raised as the provider errors callers act on: try again
    later (429, 5xx, no connection) or a key Resend rejects. Returns for anything else, which each
    call sorts its own way."""
    code = str(exc.code)
    if code == "429" or code.startswith("5") or exc.error_type == "HttpClientError":
        raise RetryableError(f"Resend {code}: {exc.message}", retry_after=_retry_after(exc.headers)) from exc
    if code in ("401", "403"):
        raise FatalError(f"Resend rejected the API key ({code} {exc.error_type}): {exc.message}") from exc
