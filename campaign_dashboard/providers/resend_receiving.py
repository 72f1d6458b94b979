"""Received emails through the official `resend` SDK (`resend.Emails.Receiving.get`).

Resend's `email.received` webhook carries metadata only; the body and headers of a received email
come from `GET /emails/receiving/{id}`. Failures follow `base`: RetryableError (429, 5xx,
unreachable), FatalError (the key was refused), `NotReceived` (Resend has no such received email).
"""

from __future__ import annotations

from typing import Any

import resend
from resend.exceptions import ResendError

from campaign_dashboard.providers.base import ProviderError
from campaign_dashboard.providers.resend_email import _KeepAliveClient, raise_shared_failure


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
            raise_shared_failure(exc)
            code = str(exc.code)
            raise NotReceived(f"Resend {code}: {exc.message}") from exc
