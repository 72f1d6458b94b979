"""Received emails through the official `resend` SDK (`resend.Emails.Receiving.get`).

Resend's `email.received` webhook carries metadata only; the body and headers of a received email
come from `GET /emails/receiving/{id}`. Failures follow `base`: RetryableError (429, 5xx,
unreachable), FatalError (the key was refused), `NotReceived` (Resend has no such received email).
"""

from __future__ import annotations

from typing import Any

import resend
from resend.exceptions import ResendError

from campaign_dashboard.providers.base import FatalError, ProviderError, RetryableError
from campaign_dashboard.providers.resend_email import _KeepAliveClient, _retry_after


class NotReceived(ProviderError):
    """Resend answered 404 (or another refusal) for this received email: asking again will not help."""


class ResendReceivingProvider:
    def __init__(self, *, api_key: str, api_url: str, timeout: float = 20.0) -> None:
        # The SDK keeps its configuration in module globals: one account per process, shared
        # with the email and audience adapters, which set the same values.
        resend.api_key = api_key
        resend.api_url = api_url.rstrip("/")
        resend.default_http_client = _KeepAliveClient(timeout)

    def get_received(self, email_id: str) -> dict[str, Any]:
        """The received email as Resend returns it: from, to, cc, subject, text, html, headers, ..."""
        try:
            return dict(resend.Emails.Receiving.get(email_id))
        except ResendError as exc:
            code = str(exc.code)
            if code == "429" or code.startswith("5") or exc.error_type == "HttpClientError":
                raise RetryableError(f"Resend {code}: {exc.message}", retry_after=_retry_after(exc.headers)) from exc
            if code in ("401", "403"):
                raise FatalError(f"Resend rejected the API key ({code} {exc.error_type}): {exc.message}") from exc
            raise NotReceived(f"Resend {code}: {exc.message}") from exc
