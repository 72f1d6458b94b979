"""`POST /webhooks/resend`: Svix-signed Resend events.

The raw body is read (at most 1 MB) and its signature checked before anything is parsed; then
the payload is normalised into a service event (`services.resend_payloads`). Errors answer 4xx
and store nothing; applied, replayed and dead-lettered events all answer 200 so Resend stops
retrying.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from svix.webhooks import Webhook, WebhookVerificationError

from campaign_dashboard.api.errors import error_body
from campaign_dashboard.api.webhooks import apply_in_thread
from campaign_dashboard.config import get_settings
from campaign_dashboard.services.email_events import apply_email_event
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.inbound import InboundEmailIn
from campaign_dashboard.services.resend_payloads import UnknownEventType, normalise

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 1024 * 1024


class WebhookRejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@router.post("/webhooks/resend")
async def resend_webhook(request: Request) -> JSONResponse:
    try:
        body = await read_body(request)
        verify_signature(body, request.headers)
        payload = parse_json(body)
        item = normalise(payload, event_id=request.headers["svix-id"])
    except WebhookRejected as exc:
        return JSONResponse(error_body(exc.code, exc.message), exc.status)
    except UnknownEventType as exc:
        return JSONResponse(error_body(exc.code, exc.message), 422)
    except ValidationFailed as exc:
        return JSONResponse(error_body("bad_request", exc.message), 400)
    if isinstance(item, InboundEmailIn):
        # The webhook has no body or headers: a worker fetches them from the Receiving API, then matches.
        from campaign_dashboard.tasks.receiving import queue_received_email

        await run_in_threadpool(queue_received_email, payload, item.provider_event_id)
        return JSONResponse({"status": "queued"})
    outcome = await apply_in_thread(apply_email_event, event=item)
    return JSONResponse({"status": str(outcome)})


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refusing (413) anything over `limit` without reading it all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise WebhookRejected(413, "payload_too_large", f"Body over {limit} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise WebhookRejected(413, "payload_too_large", f"Body over {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def verify_signature(body: bytes, headers) -> None:
    """Svix signature over id.timestamp.body, timestamp within 5 minutes, else 401."""
    svix_headers = {k: headers.get(k, "") for k in ("svix-id", "svix-timestamp", "svix-signature")}
    if not all(svix_headers.values()):
        raise WebhookRejected(401, "unauthorized", "Missing Svix signature headers.")
    try:
        verifier(get_settings().effective_resend_webhook_secret).verify(body, svix_headers)
    except (WebhookVerificationError, ValueError, TypeError) as exc:  # includes bad base64/UTF-8
        raise WebhookRejected(401, "unauthorized", f"Invalid webhook signature: {exc}") from exc


@lru_cache(maxsize=4)
def verifier(secret: str) -> Webhook:
    """One verifier per secret (it decodes the secret once), not one per request."""
    return Webhook(secret)


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(400, "bad_request", f"Body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise WebhookRejected(400, "bad_request", "Expected a JSON object with 'type' and 'data'.")
    return payload
