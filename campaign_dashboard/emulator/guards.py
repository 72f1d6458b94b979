"""What every provider API request passes first: credentials, the rate limit, injected faults.

Order matches the real services closely enough: a bad key is refused before it can use up the rate
limit, and a throttled request never reaches the (slow, flaky) back end.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Annotated

from fastapi import Depends, Request

from .errors import edge_unavailable, resend_error, twilio_error
from .runtime import Emulator


def emulator(request: Request) -> Emulator:
    return request.app.state.emulator


async def resend_guard(request: Request) -> dict[str, str]:
    """Bearer key, team-wide requests/s, faults; returns the `ratelimit-*` headers to answer with."""
    emu = emulator(request)
    auth = request.headers.get("authorization", "")
    key = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    if not key:
        raise resend_error(401, "missing_api_key", "Missing API key in the authorization header.")
    if not secrets.compare_digest(key, emu.credentials.resend_key):
        raise resend_error(403, "invalid_api_key", "API key is invalid")
    verdict = emu.resend_window.hit()
    if not verdict.allowed:
        emu.throttled()
        message = (
            f"Too many requests. You can only make {verdict.limit} requests per second. See rate limit "
            "response headers for more information. Or contact support to increase rate limit."
        )
        raise resend_error(429, "rate_limit_exceeded", message, verdict.headers())
    if request.method == "POST" and (injected := emu.take_injected("resend")):
        raise resend_error(injected["status"], injected["name"], injected["message"])
    fault = await emu.misbehave()
    if fault == "error" and emu.config.error_status == 503:
        raise edge_unavailable()
    if fault == "error":
        raise resend_error(500, "application_error", "An unexpected error occurred, please try again later.")
    if fault == "timeout":
        raise resend_error(504, "gateway_timeout", "The request timed out before it could be processed.")
    return verdict.headers()


async def twilio_guard(request: Request, sid: str) -> Emulator:
    """HTTP basic auth with the account SID and auth token, matching the SID in the path; faults."""
    emu = emulator(request)
    creds = emu.credentials
    user, _, password = _basic(request.headers.get("authorization", ""))
    if not (secrets.compare_digest(user, creds.twilio_sid) and secrets.compare_digest(password, creds.twilio_token)):
        raise twilio_error(401, 20003, "Authenticate")
    if sid != creds.twilio_sid:
        raise twilio_error(404, 20404, f"The requested resource /2010-04-01/Accounts/{sid} was not found")
    if request.method == "POST" and (injected := emu.take_injected("twilio")):
        raise twilio_error(injected["status"], injected["code"], injected["message"])
    fault = await emu.misbehave()
    if fault == "error" and emu.config.error_status == 503:
        raise edge_unavailable()
    if fault == "error":
        raise twilio_error(500, 20500, "Internal Server Error")
    if fault == "timeout":
        raise twilio_error(504, 20504, "Gateway Timeout")
    return emu


def _basic(header: str) -> tuple[str, str, str]:
    if header[:6].lower() != "basic ":
        return "", "", ""
    try:
        return base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", "", ""


ResendGuard = Annotated[dict[str, str], Depends(resend_guard)]
TwilioGuard = Annotated[Emulator, Depends(twilio_guard)]
EmulatorDep = Annotated[Emulator, Depends(emulator)]
