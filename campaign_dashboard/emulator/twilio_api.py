"""Twilio's Messages resource: create (form-encoded), list (To / DateSent filters, paged), fetch.

Bad numbers get Twilio's real error codes, including the magic test numbers of Twilio test
credentials: To +15005550001 -> 21211 invalid, ...0002 -> 21612 unreachable, ...0003 -> 21408 no
permission, ...0004 -> 21610 blocked, ...0009 -> 21614 not mobile; From +15005550001 -> 21212.
A number that texted STOP (to the emulator's world, or via `/_emulator/opt-out`) gets 21610.
Over `twilio_mps` messages in a sliding second from one sender -> 429, code 20429.
A Messaging Service send without `From` goes out from a number of `twilio_sender_pool`, the same
one for every message to one recipient (Twilio's "sticky sender").
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import zlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from .errors import json_response, twilio_error
from .guards import TwilioGuard
from .payloads import TWILIO_API_VERSION, callback_query
from .runtime import Emulator
from .state import Message

router = APIRouter(prefix="/2010-04-01/Accounts/{sid}", tags=["twilio"])
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
MAGIC_TO = {
    "+15005550001": (21211, "Invalid 'To' Phone Number: +15005550001"),
    "+15005550002": (
        21612,
        "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number via SMS.",
    ),
    "+15005550003": (
        21408,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +15005550003.",
    ),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}


def rfc2822(ts: float | None) -> str | None:
    return None if ts is None else time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(ts))


def resource(message: Message) -> dict[str, Any]:
    """The Message JSON the API returns (create, fetch, list)."""
    data = message.data
    uri = f"/2010-04-01/Accounts/{data['AccountSid']}/Messages/{message.id}.json"
    return {
        "account_sid": data["AccountSid"],
        "api_version": TWILIO_API_VERSION,
        "body": data.get("Body", ""),
        "date_created": rfc2822(message.created),
        "date_sent": rfc2822(message.date_sent),
        "date_updated": rfc2822(message.date_sent or message.created),
        "direction": "outbound-api",
        "error_code": message.error_code,
        "error_message": None,
        "from": data.get("From"),
        "messaging_service_sid": data.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": message.id,
        "status": message.status,
        "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        "to": message.to[0],
        "uri": uri,
    }


def pool_sender(pool: list[str], to: str) -> str:
    """The pool number a Messaging Service sends to `to` from: stable per recipient, spread over
    the pool (crc32, not hash(), so every emulator process picks the same one)."""
    return pool[zlib.crc32(to.encode()) % len(pool)]


def _refuse_numbers(emu: Emulator, to: str, sender: str | None) -> None:
    if sender and (sender == "+15005550001" or not (E164.match(sender) or ALPHANUMERIC_SENDER.match(sender))):
        raise twilio_error(
            400, 21212, f"The 'From' number {sender} is not a valid phone number, shortcode, or alphanumeric sender ID."
        )
    if not E164.match(to):
        raise twilio_error(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if to in MAGIC_TO:
        raise twilio_error(400, *MAGIC_TO[to])
    if to in emu.store.opted_out:
        raise twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")


@router.post("/Messages.json")
async def create_message(sid: str, request: Request, emu: TwilioGuard) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}  # form-encoded: no files
    to, sender, service = form.get("To", ""), form.get("From"), form.get("MessagingServiceSid")
    if not to:
        raise twilio_error(400, 21604, "A 'To' phone number is required.")
    origin = sender or service  # the number or messaging service the rate limit counts
    if not origin:
        raise twilio_error(400, 21603, "A 'From' phone number is required.")
    if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
        raise twilio_error(400, 21602, "Message body is required.")
    _refuse_numbers(emu, to, sender)
    verdict = emu.twilio_windows.hit(origin, emu.config.twilio_mps)
    if not verdict.allowed:
        emu.throttled()
        raise twilio_error(429, 20429, "Too Many Requests", {"Retry-After": verdict.headers()["retry-after"]})
    query = callback_query(form.get("StatusCallback"))
    message = Message(
        id="SM" + secrets.token_hex(16),
        channel="sms",
        to=[to],
        campaign=query.get("campaign"),
        recipient=query.get("recipient"),
        data={**form, "AccountSid": sid, "From": sender or pool_sender(emu.config.twilio_sender_pool, to)},
        status="accepted" if service else "queued",
    )
    body = resource(message)  # before the world can move it on
    emu.accepted([message])
    if emu.config.twilio_reply_latency_ms:
        await asyncio.sleep(emu.config.twilio_reply_latency_ms / 1000)
    return json_response(body, 201)


def _when(value: str) -> float:
    """`2024-05-01` or `2024-05-01T10:00:00Z` (what the SDK sends) as a UTC timestamp."""
    text = value.strip().removesuffix("Z")
    parsed = datetime.fromisoformat(text) if "T" in text else datetime.fromisoformat(text + "T00:00:00")
    return parsed.replace(tzinfo=parsed.tzinfo or UTC).timestamp()


def _matches(message: Message, query: dict[str, str]) -> bool:
    if message.channel != "sms" or ("From" in query and message.data.get("From") != query["From"]):
        return False
    sent = message.date_sent
    for key, value in query.items():
        if not key.startswith("DateSent"):
            continue
        if sent is None:
            return False
        bound = _when(value)
        if key in ("DateSent>", "DateSent>=") and sent < bound:
            return False
        if key in ("DateSent<", "DateSent<=") and sent > bound + (86_400 if "T" not in value else 0):
            return False
        if key == "DateSent" and not bound <= sent < bound + 86_400:
            return False
    return True


@router.get("/Messages.json")
async def list_messages(sid: str, request: Request, emu: TwilioGuard) -> Response:
    """Newest first, like Twilio. `DateSent>` is inclusive (Twilio documents it as ">=")."""
    query = dict(request.query_params)
    try:
        page, size = int(query.get("Page", 0)), min(int(query.get("PageSize", 50)), 1000)
        kept = emu.store.to(query["To"]) if "To" in query else emu.store.all()
        found = [m for m in reversed(kept) if _matches(m, query)]
    except ValueError as exc:
        raise twilio_error(400, 20001, f"Invalid parameter: {exc}") from None
    chunk = found[page * size : (page + 1) * size]
    base = f"/2010-04-01/Accounts/{sid}/Messages.json"
    filters = {k: v for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}

    def page_uri(number: int) -> str:
        return f"{base}?{urlencode({**filters, 'PageSize': size, 'Page': number, 'PageToken': f'PA{number}'})}"

    more = (page + 1) * size < len(found)
    body = {
        "messages": [resource(m) for m in chunk],
        "end": page * size + max(len(chunk) - 1, 0),
        "first_page_uri": page_uri(0),
        "next_page_uri": page_uri(page + 1) if more else None,
        "page": page,
        "page_size": size,
        "previous_page_uri": page_uri(page - 1) if page > 0 else None,
        "start": page * size,
        "uri": page_uri(page),
    }
    return json_response(body)


@router.get("/Messages/{message_sid}.json")
async def fetch_message(sid: str, message_sid: str, emu: TwilioGuard) -> Response:
    message = emu.store.get(message_sid)
    if message is None or message.channel != "sms":
        raise twilio_error(404, 20404, f"The requested resource {request_path(sid, message_sid)} was not found")
    return json_response(resource(message))


def request_path(sid: str, message_sid: str) -> str:
    return f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json"
