"""`POST /webhooks/resend`: Svix-signed Resend events.

The raw body is read (at most 1 MB) and its signature checked before anything is parsed; then
the payload is normalised into a service event. Errors answer 4xx and store nothing; applied,
replayed and dead-lettered events all answer 200 so Resend stops retrying.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from svix.webhooks import Webhook, WebhookVerificationError

from campaign_dashboard.api.errors import error_body
from campaign_dashboard.api.webhooks import apply_in_thread
from campaign_dashboard.config import get_settings
from campaign_dashboard.models import utcnow
from campaign_dashboard.services.email_events import EmailEventIn, EmailEventType, apply_email_event
from campaign_dashboard.services.inbound import InboundEmailIn, apply_inbound_email

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 1024 * 1024

EVENT_TYPES: dict[str, EmailEventType] = {
    "email.sent": EmailEventType.SENT,
    "email.delivered": EmailEventType.DELIVERED,
    "email.delivery_delayed": EmailEventType.DELIVERY_DELAYED,
    "email.opened": EmailEventType.OPENED,
    "email.clicked": EmailEventType.CLICKED,
    "email.bounced": EmailEventType.BOUNCED,
    "email.complained": EmailEventType.COMPLAINED,
    "email.failed": EmailEventType.FAILED,
    "email.suppressed": EmailEventType.SUPPRESSED,
}
INBOUND_TYPE = "email.received"
HARD_BOUNCE_TYPES = {"permanent", "hard", "hardbounce"}


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
        event_id = request.headers["svix-id"]
        item = normalise(payload, event_id=event_id)
    except WebhookRejected as exc:
        return JSONResponse(error_body(exc.code, exc.message), exc.status)
    if isinstance(item, InboundEmailIn):
        outcome = await apply_in_thread(apply_inbound_email, email=item)
    else:
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


def normalise(payload: dict[str, Any], *, event_id: str) -> EmailEventIn | InboundEmailIn:
    kind = payload.get("type")
    data = payload["data"]
    occurred_at = parse_time(payload.get("created_at")) or utcnow()
    if not isinstance(kind, str):
        raise WebhookRejected(400, "bad_request", "The event has no 'type'.")
    if kind == INBOUND_TYPE:
        return _inbound(data, event_id=event_id, occurred_at=occurred_at, payload=payload)
    if kind not in EVENT_TYPES:
        raise WebhookRejected(422, "unknown_event_type", f"Unknown event type {kind!r}.")
    message_id = data.get("email_id")
    if not isinstance(message_id, str) or not message_id:
        raise WebhookRejected(400, "bad_request", "data.email_id is missing.")
    link = detail = None
    hard = False
    if kind == "email.clicked":
        click = data.get("click") or {}
        link = click.get("link")
        occurred_at = parse_time(click.get("timestamp")) or occurred_at
    elif kind == "email.opened":
        occurred_at = parse_time((data.get("open") or {}).get("timestamp")) or occurred_at
    elif kind == "email.bounced":
        bounce = data.get("bounce") or {}
        hard = str(bounce.get("type", "")).lower() in HARD_BOUNCE_TYPES
        detail = f"{'hard' if hard else 'soft'} bounce ({bounce.get('type')}/{bounce.get('subType')}): " \
                 f"{bounce.get('message', '')}".strip()
    elif kind == "email.failed":
        detail = str((data.get("failed") or {}).get("reason", "failed"))
    elif kind == "email.suppressed":
        suppressed = data.get("suppressed") or {}
        detail = f"suppressed ({suppressed.get('type')}): {suppressed.get('message', '')}".strip()
    return EmailEventIn(
        provider_event_id=event_id, type=EVENT_TYPES[kind], provider_message_id=message_id,
        occurred_at=occurred_at, link=link, hard_bounce=hard, detail=detail, payload=payload,
    )


def _inbound(data: dict, *, event_id: str, occurred_at: datetime, payload: dict) -> InboundEmailIn:
    """Resend's `email.received` carries metadata; headers and bodies are used when present."""
    headers = _headers(data.get("headers"))
    to = [*_list(data.get("to")), *_list(data.get("cc")), *_list(data.get("received_for"))]
    provider_id = data.get("email_id")
    if not isinstance(provider_id, str) or not provider_id:
        raise WebhookRejected(400, "bad_request", "data.email_id is missing.")
    return InboundEmailIn(
        provider_event_id=event_id, provider_id=provider_id,
        from_address=str(data.get("from") or ""), to=to, subject=str(data.get("subject") or ""),
        message_id=data.get("message_id"),
        in_reply_to=data.get("in_reply_to") or headers.get("in-reply-to"),
        references=_joined(data.get("references")) or headers.get("references"),
        text=str(data.get("text") or ""), html=str(data.get("html") or ""),
        content_type=headers.get("content-type") or data.get("content_type"),
        occurred_at=parse_time(data.get("created_at")) or occurred_at, payload=payload,
    )


def _headers(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        return {str(k).lower(): str(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return {str(h.get("name", "")).lower(): str(h.get("value", "")) for h in raw if isinstance(h, dict)}
    return {}


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _joined(value: Any) -> str | None:
    return " ".join(_list(value)) or None


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
