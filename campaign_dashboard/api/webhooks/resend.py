"""`POST /webhooks/resend`: Svix-signed Resend events.

Before verification: no secret configured 503, body over 1 MB 413 (enforced on the stream), bad
or missing signature 401; nothing is read further or stored. After verification every event is
acknowledged with 200, because Resend retries any other answer for about a day and then disables
the endpoint (no bounce or complaint would arrive after that): applied, replayed and dead-lettered
events say so; types we do not use and payloads we cannot read answer `"ignored"` (the latter
with the reason, also logged) and write nothing. See docs/events.md.
"""

from __future__ import annotations

import json
import logging
import math
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from svix.webhooks import Webhook, WebhookVerificationError

from campaign_dashboard.api.errors import error_body
from campaign_dashboard.api.webhooks import (
    WebhookRejected,
    apply_in_thread,
    read_body,
    signing_secret,
    signing_secrets_checked,
    storable_text,
)
from campaign_dashboard.config import get_settings
from campaign_dashboard.services.audience.opt_outs import (
    ProviderSuppressionIn,
    apply_provider_suppression,
)
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.email_events import EmailEventIn, apply_email_event
from campaign_dashboard.services.events.inbound import InboundEmailIn
from campaign_dashboard.services.events.resend_payloads import IgnoredEvent, normalise

router = APIRouter(tags=["webhooks"], lifespan=signing_secrets_checked)
log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 32  # Resend's payloads nest 4 levels; deeper is refused before anything walks it
MAX_EVENT_ID = 200  # dead_letter_events/email_events.provider_event_id


@router.post("/webhooks/resend")
async def resend_webhook(request: Request) -> JSONResponse:
    try:
        secret = signing_secret(get_settings().resend_signing_secret, "RESEND_WEBHOOK_SECRET")
        body = await read_body(request, MAX_BODY_BYTES)
        verify_signature(body, request.headers, secret)
    except WebhookRejected as exc:
        return JSONResponse(error_body(exc.code, exc.message), exc.status)
    try:
        event_id = request.headers["svix-id"]
        if len(event_id) > MAX_EVENT_ID:
            raise ValidationFailed(f"svix-id is longer than {MAX_EVENT_ID} characters.")
        payload = parse_json(body)
        item = normalise(payload, event_id=event_id)
    except ValidationFailed as exc:
        log.warning("Resend event %s ignored: %s", request.headers.get("svix-id"), exc.message)
        return JSONResponse({"status": "ignored", "reason": exc.message})
    if isinstance(item, IgnoredEvent):
        return JSONResponse({"status": "ignored", "type": item.type})
    if isinstance(item, InboundEmailIn):
        # The webhook has no body or headers: a worker fetches them from the Receiving API, then matches.
        from campaign_dashboard.tasks.receiving import queue_received_email

        await run_in_threadpool(queue_received_email, payload, item.provider_event_id)
        return JSONResponse({"status": "queued"})
    if isinstance(item, ProviderSuppressionIn):
        outcome = await apply_in_thread(apply_provider_suppression, event=item)
    else:
        assert isinstance(item, EmailEventIn)
        outcome = await apply_in_thread(apply_email_event, event=item)
    return JSONResponse({"status": str(outcome)})


def verify_signature(body: bytes, headers, secret: str) -> None:
    """Svix signature over id.timestamp.body, timestamp within 5 minutes, else 401."""
    svix_headers = {k: headers.get(k, "") for k in ("svix-id", "svix-timestamp", "svix-signature")}
    if not all(svix_headers.values()):
        raise WebhookRejected(401, "unauthorized", "Missing Svix signature headers.")
    try:
        verifier(secret).verify(body, svix_headers)
    except (WebhookVerificationError, ValueError, TypeError) as exc:  # includes bad base64/UTF-8
        raise WebhookRejected(401, "unauthorized", f"Invalid webhook signature: {exc}") from exc


@lru_cache(maxsize=4)
def verifier(secret: str) -> Webhook:
    """One verifier per secret (it decodes the secret once), not one per request."""
    return Webhook(secret)


def parse_json(body: bytes) -> Any:
    """The body as JSON every database can store: no NaN/Infinity, no nesting deeper than
    MAX_DEPTH, strings without NUL or lone surrogates. ValidationFailed otherwise."""
    try:
        payload = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise ValidationFailed(f"Body nests deeper than {MAX_DEPTH} levels.") from exc
    except ValueError as exc:  # includes UnicodeDecodeError and too many integer digits
        raise ValidationFailed(f"Body is not valid JSON: {exc}") from exc
    _check_depth(payload)
    return _storable(payload)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is out of range")
    return value


def _check_depth(payload: Any) -> None:
    stack = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationFailed(f"Body nests deeper than {MAX_DEPTH} levels.")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_text(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value
