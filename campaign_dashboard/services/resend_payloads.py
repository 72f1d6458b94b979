"""Resend webhook payloads -> service events. Shared by the webhook and by the dead-letter
replay, which re-reads stored payloads once their message exists.

`normalise` raises `ValidationFailed` for a malformed event and `UnknownEventType` for a type we
do not handle; the webhook answers those with 400 and 422.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from campaign_dashboard.models import utcnow
from campaign_dashboard.services.email_events import EmailEventIn, EmailEventType
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.inbound import InboundEmailIn

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


class UnknownEventType(ValidationFailed):
    code = "unknown_event_type"


def normalise(payload: dict[str, Any], *, event_id: str) -> EmailEventIn | InboundEmailIn:
    kind = payload.get("type")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise ValidationFailed("Expected a JSON object with 'type' and 'data'.")
    occurred_at = parse_time(payload.get("created_at")) or utcnow()
    if not isinstance(kind, str):
        raise ValidationFailed("The event has no 'type'.")
    if kind == INBOUND_TYPE:
        return _inbound(data, event_id=event_id, occurred_at=occurred_at, payload=payload)
    if kind not in EVENT_TYPES:
        raise UnknownEventType(f"Unknown event type {kind!r}.")
    message_id = data.get("email_id")
    if not isinstance(message_id, str) or not message_id:
        raise ValidationFailed("data.email_id is missing.")
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
    """Resend's `email.received` carries metadata only (no body, no headers): the worker fetches
    the rest from the Receiving API (services.received_emails)."""
    to = [*_list(data.get("to")), *_list(data.get("cc"))]
    provider_id = data.get("email_id")
    if not isinstance(provider_id, str) or not provider_id:
        raise ValidationFailed("data.email_id is missing.")
    return InboundEmailIn(
        provider_event_id=event_id, provider_id=provider_id,
        from_address=str(data.get("from") or ""), to=to, subject=str(data.get("subject") or ""),
        message_id=data.get("message_id") if isinstance(data.get("message_id"), str) else None,
        occurred_at=parse_time(data.get("created_at")) or occurred_at, payload=payload,
    )


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
