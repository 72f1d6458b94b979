"""The small interface every provider adapter implements, and the three kinds of failure.

- RetryableError: try the same request again later (429, 5xx, timeouts); `retry_after` if known.
- a per-message `SendResult.error`: this one recipient can never receive it (bad address, opted out).
- QuotaExceeded: the account may send nothing more for hours (a daily or monthly quota): the
  campaign is paused with the reason, and a person resumes it when the quota allows.
- FatalError: nothing in this campaign can be sent (bad credentials, unverified sender).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol


class ProviderError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RetryableError(ProviderError):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FatalError(ProviderError):
    """The campaign must stop: `message` is shown to the user as the reason."""


class QuotaExceeded(ProviderError):
    """The account's sending quota is used up: pause (not fail) the campaign, showing `message`."""


@dataclass(frozen=True)
class SendResult:
    """Either accepted (`provider_message_id`) or refused for this recipient only (`error`)."""

    provider_message_id: str | None = None
    error: str | None = None
    opted_out: bool = False  # the provider says the recipient unsubscribed there: suppress it here too

    @property
    def accepted(self) -> bool:
        return self.provider_message_id is not None


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    from_email: str
    subject: str
    html: str
    text: str
    reply_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    reply_token: str | None = None  # ours, not sent as such: it is inside Message-ID and the mailto


@dataclass(frozen=True)
class OutgoingSms:
    to: str
    body: str
    from_number: str | None = None
    messaging_service_sid: str | None = None
    status_callback: str | None = None


@dataclass(frozen=True)
class CredentialCheck:
    """What one cheap authenticated call said about the configured credentials.

    `unknown` means the provider could not be asked (unreachable, rate limited, 5xx): nothing is
    known about the credentials either way.
    """

    outcome: Literal["valid", "invalid", "unknown"]
    message: str


class EmailProvider(Protocol):
    max_batch: int

    def send_batch(self, messages: list[OutgoingEmail], *, idempotency_key: str) -> list[SendResult]:
        """Send up to `max_batch` emails; results are in the same order as `messages`.
        The same key with the same messages must never send twice."""

    def check_credentials(self) -> CredentialCheck:
        """Make one read call that needs a valid key, and say whether the key was accepted."""


class SmsProvider(Protocol):
    def send(self, message: OutgoingSms) -> SendResult: ...

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """The id of a message with `body` already sent to `to` since `since`, if any (crash recovery)."""

    def check_credentials(self) -> CredentialCheck:
        """Fetch the account with the configured SID and token, and say whether they were accepted."""
