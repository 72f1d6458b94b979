"""Webhook bodies shaped like the real ones (Resend event JSON, Twilio form parameters)."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .state import Message

TWILIO_API_VERSION = "2010-04-01"
LIST_UNSUBSCRIBE_URL = re.compile(r"<(https?://[^>]+)>")


def iso(ts: float) -> str:
    """Resend's timestamp style: 2024-11-22T23:41:12.126Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1000):03d}Z"


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def bare(address: str) -> str:
    """`Name <a@b.c>` -> `a@b.c`, lower-cased: the form addresses are counted and matched in."""
    return parseaddr(address)[1].strip().lower()


def header(data: dict[str, Any], name: str) -> str | None:
    """A custom header the app put on the email, matched case-insensitively."""
    wanted = name.lower()
    return next((v for k, v in (data.get("headers") or {}).items() if k.lower() == wanted), None)


def tags_of(data: dict[str, Any]) -> dict[str, str | None]:
    """Send-time tags `[{"name", "value"}]` as webhook events carry them: `{name: value}`."""
    return {t["name"]: t.get("value") for t in data.get("tags") or [] if isinstance(t, dict) and "name" in t}


def callback_query(url: str | None) -> dict[str, str]:
    """`?campaign=..&recipient=..` of a Twilio StatusCallback URL."""
    if not url:
        return {}
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def unsubscribe_url(message: Message) -> str | None:
    found = LIST_UNSUBSCRIBE_URL.search(header(message.data, "List-Unsubscribe") or "")
    return found.group(1) if found else None


def resend_event(kind: str, message: Message, detail: dict[str, Any], now: float) -> dict[str, Any]:
    """`{"type", "created_at", "data": {...}}` for email.sent/delivered/opened/clicked/bounced/complained/suppressed."""
    data = message.data
    body: dict[str, Any] = {
        "created_at": iso(message.created),
        "email_id": message.id,
        "from": data.get("from"),
        "to": as_list(data.get("to")),
        "subject": data.get("subject"),
        "tags": tags_of(data),
    }
    if data.get("headers"):  # Resend lists the custom headers the email was sent with
        body["headers"] = [{"name": k, "value": str(v)} for k, v in data["headers"].items()]
    if kind == "email.bounced":
        body["bounce"] = dict(detail["bounce"])
    elif kind == "email.suppressed":
        body["suppressed"] = dict(detail["suppressed"])
    elif kind == "email.clicked":
        body["click"] = {
            "ipAddress": "203.0.113.7",
            "link": detail["link"],
            "timestamp": iso(now),
            "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15",
        }
    return {"type": kind, "created_at": iso(now), "data": body}


def provider_message_id(email_id: str) -> str:
    """The Message-ID the email went out with, as `GET /emails/{id}` reports it: the provider's own
    (Resend sends through Amazon SES, which may replace a custom one)."""
    return f"<{email_id}@email.amazonses.com>"


def reply_email(message: Message, now: float) -> dict[str, Any]:
    """The recipient answers, as the Receiving API returns it (`GET /emails/receiving/{id}`).

    It goes to the Reply-To (else the From) address and quotes the id the email went out with.
    That is the provider's own Message-ID, not the app's: Resend sends through Amazon SES, which may
    replace a custom `Message-ID`, so the app must not count on it."""
    data = message.data
    reply_to = as_list(data.get("reply_to")) or [data.get("from") or ""]
    original_id = provider_message_id(message.id)
    subject = data.get("subject") or ""
    reply_id = str(uuid.uuid4())
    return {
        "object": "email",
        "id": reply_id,
        "to": [bare(a) for a in reply_to],
        "from": message.to[0],
        "created_at": iso(now),
        "subject": subject if subject.lower().startswith("re:") else f"Re: {subject}",
        "message_id": f"<{reply_id}@mail.example.net>",
        "bcc": [],
        "cc": [],
        "reply_to": [],
        "html": "<p>Thanks, got it!</p>",
        "text": "Thanks, got it!\n",
        "headers": {"In-Reply-To": original_id, "References": original_id, "Content-Type": "multipart/alternative"},
        "attachments": [],
    }


RECEIVED_WEBHOOK_FIELDS = ("created_at", "from", "to", "bcc", "cc", "subject", "message_id", "attachments")


def received_event(received: dict[str, Any], now: float) -> dict[str, Any]:
    """`email.received`: metadata only, like Resend's (no body, no headers: those are fetched)."""
    data = {"email_id": received["id"], **{k: received[k] for k in RECEIVED_WEBHOOK_FIELDS}}
    data["attachments"] = [
        {k: a[k] for k in ("id", "filename", "content_type", "content_disposition", "content_id") if k in a}
        for a in received["attachments"]
    ]
    return {"type": "email.received", "created_at": iso(now), "data": data}


def twilio_status(message: Message, status: str, error_code: int | None) -> dict[str, str]:
    """Status callback form params (MessageStatus sent/delivered/undelivered/failed)."""
    data = message.data
    params = {
        "AccountSid": data["AccountSid"],
        "ApiVersion": TWILIO_API_VERSION,
        "From": data.get("From") or "",
        "MessageSid": message.id,
        "MessageStatus": status,
        "SmsSid": message.id,
        "SmsStatus": status,
        "To": message.to[0],
    }
    if data.get("MessagingServiceSid"):
        params["MessagingServiceSid"] = data["MessagingServiceSid"]
    if error_code is not None:
        params["ErrorCode"] = str(error_code)
    return params


def twilio_inbound(message: Message, body: str) -> dict[str, str]:
    """An incoming SMS from the recipient back to the number that texted them."""
    data = message.data
    sid = "SM" + secrets.token_hex(16)
    params = {
        "AccountSid": data["AccountSid"],
        "ApiVersion": TWILIO_API_VERSION,
        "Body": body,
        "From": message.to[0],
        "To": data.get("From") or "",
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "NumMedia": "0",
        "NumSegments": "1",
        "FromCountry": "US",
        "ToCountry": "US",
    }
    if data.get("MessagingServiceSid"):
        params["MessagingServiceSid"] = data["MessagingServiceSid"]
    return params
