"""SMS through the official `twilio` SDK."""

from __future__ import annotations

from datetime import datetime, timedelta

from requests import RequestException
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from campaign_dashboard.providers.base import (
    CredentialCheck,
    FatalError,
    OutgoingSms,
    RetryableError,
    SendResult,
)

# https://www.twilio.com/docs/api/errors: codes that mean "this number, never" vs "this account".
RECIPIENT_ERRORS = {21211, 21214, 21217, 21219, 21408, 21610, 21612, 21614, 30003, 30005, 30006}
FATAL_ERRORS = {20003, 20005, 20008, 21606, 21659, 21660, 21703, 21705, 21712}
UNSUBSCRIBED = 21610  # the recipient texted STOP to this sender: suppress the number locally
QUEUE_FULL = 21611  # the sender's queue holds 10 h of messages: wait for it to drain, then retry
QUEUE_FULL_RETRY_SECONDS = 60.0


class TwilioSmsProvider:
    def __init__(self, *, account_sid: str, auth_token: str, api_url: str | None = None,
                 timeout: float = 20.0) -> None:
        self._client = Client(account_sid, auth_token,
                              http_client=TwilioHttpClient(pool_connections=True, timeout=timeout))
        if api_url:
            self._client.api.base_url = api_url.rstrip("/")

    def send(self, message: OutgoingSms) -> SendResult:
        kwargs = {"to": message.to, "body": message.body}
        if message.messaging_service_sid:
            kwargs["messaging_service_sid"] = message.messaging_service_sid
        else:
            kwargs["from_"] = message.from_number
        if message.status_callback:
            kwargs["status_callback"] = message.status_callback
        try:
            sent = self._client.messages.create(**kwargs)
        except TwilioRestException as exc:
            return self._classify(exc)
        except RequestException as exc:
            raise RetryableError(f"Twilio unreachable: {exc}") from exc
        return SendResult(provider_message_id=sent.sid)

    def find_sent(self, *, to: str, since: datetime, from_number: str | None = None) -> str | None:
        # Filter on creation time ourselves: DateSent is empty until the carrier took the message,
        # which is exactly the window a crash leaves open. The list is newest first.
        filters = {"to": to, "limit": 50}
        if from_number:
            filters["from_"] = from_number
        try:
            messages = self._client.messages.list(**filters)
        except TwilioRestException as exc:
            self._classify(exc)
            return None
        except RequestException as exc:
            raise RetryableError(f"Twilio unreachable: {exc}") from exc
        for message in messages:
            if message.date_created is not None and message.date_created >= since - timedelta(seconds=5):
                return message.sid
        return None

    def check_credentials(self) -> CredentialCheck:
        try:
            account = self._client.api.v2010.accounts(self._client.account_sid).fetch()
        except TwilioRestException as exc:
            if exc.status in (401, 403, 404):
                return CredentialCheck("invalid", f"Twilio {exc.status}/{exc.code}: {exc.msg}")
            return CredentialCheck("unknown", f"Could not ask Twilio ({exc.status}/{exc.code}): {exc.msg}")
        except RequestException as exc:
            return CredentialCheck("unknown", f"Could not reach Twilio at {self._client.api.base_url}: {exc}")
        described = f"account {account.friendly_name!r} ({account.status}, {account.type})"
        if account.status != "active":
            return CredentialCheck("invalid", f"Twilio accepted the credentials but the {described} cannot send.")
        return CredentialCheck("valid", f"Twilio accepted the credentials: {described}.")

    @staticmethod
    def _classify(exc: TwilioRestException) -> SendResult:
        code = exc.code or 0
        if exc.status == 429 or code == 20429 or exc.status >= 500:
            raise RetryableError(f"Twilio {exc.status}/{code}: {exc.msg}")
        if code == QUEUE_FULL:
            raise RetryableError(f"Twilio {code}: {exc.msg}", retry_after=QUEUE_FULL_RETRY_SECONDS)
        if code == UNSUBSCRIBED:
            return SendResult(error=f"Twilio {code}: {exc.msg}", opted_out=True)
        if exc.status == 401 or code in FATAL_ERRORS:
            raise FatalError(f"Twilio refused the account or sender ({code}): {exc.msg}")
        if code in RECIPIENT_ERRORS or exc.status == 400:
            return SendResult(error=f"Twilio {code}: {exc.msg}")
        raise RetryableError(f"Twilio {exc.status}/{code}: {exc.msg}")
