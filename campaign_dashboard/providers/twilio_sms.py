"""SMS through the official `twilio` SDK."""

from __future__ import annotations

import logging
import unicodedata
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

# Crash recovery: how far before the claim a message may look created (Twilio's date_created has
# whole seconds and its clock is not ours), and how many of one recipient's messages are read.
CLOCK_SLACK = timedelta(seconds=60)
LOOKUP_LIMIT = 1000  # Twilio's largest page
# What Smart Encoding (on by default for new Messaging Services) turns into GSM-7 look-alikes.
_SMART_ENCODING = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)
log = logging.getLogger(__name__)


def comparable(text: str) -> str:
    """`text` as recovery compares it: Smart-Encoding look-alikes folded, NFKC, ends trimmed."""
    return unicodedata.normalize("NFKC", text.translate(_SMART_ENCODING)).strip()


class TwilioSmsProvider:
    def __init__(self, *, account_sid: str, auth_token: str, api_url: str | None = None, timeout: float = 20.0) -> None:
        self._client = Client(
            account_sid, auth_token, http_client=TwilioHttpClient(pool_connections=True, timeout=timeout)
        )
        if api_url:
            self._client.api.base_url = api_url.rstrip("/")

    def send(self, message: OutgoingSms) -> SendResult:
        kwargs: dict[str, str | None] = {"to": message.to, "body": message.body}
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

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """The sid of a message this account already sent to `to` with `body`, created at or after
        `since` (the claim time) give or take `CLOCK_SLACK`; None when there is none (crash recovery).

        Why these filters: Twilio's message list filters only on To, From and DateSent
        (twilio-oai, `GET /2010-04-01/Accounts/{AccountSid}/Messages.json`).
        - Not From: through a Messaging Service Twilio picks the sender from its pool, so our
          configured number says nothing about what `from` the message has.
        - Not MessagingServiceSid: a field of each message, not a list filter, and no test is
          needed: the same text to the same person after our claim is ours whoever sent it.
        - Not DateSent: it filters on the day the carrier took the message, and a message still
          queued in the service (the very window a crash leaves open) has no `date_sent` at all;
          it is also whole UTC days, so a claim just before midnight would need two days anyway.
        So: every message to `to` (one person's history with this account: one page, at most
        `LOOKUP_LIMIT`), kept if outbound, created after the claim, with the same text. The text
        is compared after folding the characters Twilio's Smart Encoding may replace.

        Several matches (two campaigns with the same text at once, or a duplicate already made) are
        all possibly ours; the answer is then "sent" (the oldest), because sending once more is
        the one mistake that cannot be taken back.
        """
        try:
            messages = self._client.messages.list(to=to, limit=LOOKUP_LIMIT, page_size=LOOKUP_LIMIT)
        except TwilioRestException as exc:
            self._classify(exc)
            return None
        except RequestException as exc:
            raise RetryableError(f"Twilio unreachable: {exc}") from exc
        earliest, text = since - CLOCK_SLACK, comparable(body)
        ours = sorted(  # oldest first; the list is newest first, so read backwards for ties
            (
                m
                for m in reversed(messages)
                if (m.direction or "").startswith("outbound")
                and m.date_created is not None
                and m.date_created >= earliest
                and comparable(m.body or "") == text
            ),
            key=lambda m: m.date_created,
        )
        if len(ours) > 1:
            log.warning("%d messages to %s match one recovered row; counting it sent as %s", len(ours), to, ours[0].sid)
        return ours[0].sid if ours else None

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
