"""Resend inbound adapter: a verified webhook body -> the events the services apply.

`from_body` reads the raw body the route verified (Svix) and `normalise` the payload in it; the
dead-letter replay and the received-email worker call `normalise` again on stored payloads.

`normalise` checks the type of every field it reads and raises `ValidationFailed` naming the
first one that is wrong (a string where Resend documents an object, a number for a header, a
timestamp no calendar holds), so nothing half-applies. Event types we do not use come back as
`IgnoredEvent`: Resend expects every verified event to be acknowledged.

Shapes and event types from Resend's references: resend/resend-openapi (resend.json at
fd6f395f2114e13806025f0c330921c901d62bb1: `WebhookEventClick`, `WebhookEventBounce`,
`WebhookEventFailed`, `WebhookEventSuppressed`, `OutboundEmailEventData`) and the official
Python SDK resend 2.52.0 (`resend/webhooks/_webhook.py` `WebhookEvent` lists every type;
`SuppressionEventData` = `SuppressionListItem`: id, email, origin bounce|complaint|manual,
source_id, created_at).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from campaign_dashboard.models import utcnow
from campaign_dashboard.services.audience.opt_outs import ProviderSuppressionIn
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.adapters import storable_text
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType
from campaign_dashboard.services.events.inbound import InboundEmailIn

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
SUPPRESSION_ADDED = "suppression.added"
HARD_BOUNCE_TYPES = {"permanent", "hard", "hardbounce"}
MAX_DEPTH = 32  # Resend's payloads nest 4 levels; deeper is refused before anything walks it
MAX_EVENT_ID = 200  # dead_letter_events/email_events.provider_event_id
MAX_USER_AGENT = 1000  # read for the machine-engagement rules only
MAX_IP_ADDRESS = 64

Event = EmailEventIn | InboundEmailIn | ProviderSuppressionIn


class UnknownEventType(ValidationFailed):
    code = "unknown_event_type"


@dataclass(frozen=True)
class IgnoredEvent:
    """A verified event of a type we do not use (email.scheduled, contact.*, domain.*,
    suppression.removed, topic.*, inbox.*, and any type Resend adds later)."""

    type: str


def from_body(body: bytes, *, event_id: str) -> Event | IgnoredEvent:
    """The verified body of one delivery (`event_id` is its svix-id) as an event."""
    if len(event_id) > MAX_EVENT_ID:
        raise ValidationFailed(f"svix-id is longer than {MAX_EVENT_ID} characters.")
    return normalise(parse_json(body), event_id=event_id)


def normalise(payload: Any, *, event_id: str) -> Event | IgnoredEvent:
    if not isinstance(payload, dict):
        raise ValidationFailed("Expected a JSON object with 'type' and 'data'.")
    kind = payload.get("type")
    data = payload.get("data")
    if not isinstance(kind, str) or not kind:
        raise ValidationFailed("The event has no 'type'.")
    if not isinstance(data, dict):
        raise ValidationFailed("Expected a JSON object with 'type' and 'data'.")
    occurred_at = parse_time(payload.get("created_at"), "created_at") or utcnow()
    if kind == INBOUND_TYPE:
        return _inbound(data, event_id=event_id, occurred_at=occurred_at, payload=payload)
    if kind == SUPPRESSION_ADDED:
        return ProviderSuppressionIn(
            provider_event_id=event_id,
            address=_required_text(data, "email", 320),
            origin=_text(data, "origin") or "manual",
            suppression_id=_text(data, "id") or "",
            payload=payload,
        )
    if kind not in EVENT_TYPES:
        return IgnoredEvent(kind)
    message_id = _required_text(data, "email_id")
    link = detail = user_agent = ip_address = None
    hard = False
    if kind in ("email.clicked", "email.opened"):
        # `data.click` is documented with the user agent and address; `data.open` is not (Resend's
        # opened event documents neither): read when present, for the machine-open rules.
        key = "click" if kind == "email.clicked" else "open"
        engagement = _object(data, key)
        where = f"data.{key}"
        link = _text(engagement, "link", where) if key == "click" else None
        occurred_at = parse_time(engagement.get("timestamp"), f"{where}.timestamp") or occurred_at
        user_agent = _bounded(_text(engagement, "userAgent", where), MAX_USER_AGENT)
        ip_address = _bounded(_text(engagement, "ipAddress", where), MAX_IP_ADDRESS)
    elif kind == "email.bounced":
        bounce = _object(data, "bounce")
        bounce_type = _text(bounce, "type", "data.bounce")
        hard = (bounce_type or "").lower() in HARD_BOUNCE_TYPES
        detail = (
            f"{'hard' if hard else 'soft'} bounce ({bounce_type}/{_text(bounce, 'subType', 'data.bounce')}): "
            f"{_text(bounce, 'message', 'data.bounce') or ''}".strip()
        )
    elif kind == "email.failed":
        detail = _text(_object(data, "failed"), "reason", "data.failed") or "failed"
    elif kind == "email.suppressed":
        suppressed = _object(data, "suppressed")
        detail = (
            f"suppressed ({_text(suppressed, 'type', 'data.suppressed')}): "
            f"{_text(suppressed, 'message', 'data.suppressed') or ''}".strip()
        )
    return EmailEventIn(
        provider_event_id=event_id,
        type=EVENT_TYPES[kind],
        provider_message_id=message_id,
        occurred_at=occurred_at,
        link=link,
        hard_bounce=hard,
        detail=detail,
        user_agent=user_agent,
        ip_address=ip_address,
        payload=payload,
    )


def _bounded(value: str | None, limit: int) -> str | None:
    """Only the head of an over-long value is read (it is kept whole in the stored payload)."""
    return None if value is None else value[:limit]


def _inbound(data: dict, *, event_id: str, occurred_at: datetime, payload: dict) -> InboundEmailIn:
    """Resend's `email.received` carries metadata only (no body, no headers): the worker fetches
    the rest from the Receiving API (services.events.received_emails)."""
    to = [*_list(data, "to"), *_list(data, "cc")]
    return InboundEmailIn(
        provider_event_id=event_id,
        provider_id=_required_text(data, "email_id"),
        from_address=_text(data, "from") or "",
        to=to,
        subject=_text(data, "subject") or "",
        message_id=_text(data, "message_id"),
        occurred_at=parse_time(data.get("created_at"), "data.created_at") or occurred_at,
        payload=payload,
    )


def _object(data: dict, key: str) -> dict[str, Any]:
    """`data[key]` as an object; {} when absent or null."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed(f"data.{key} must be an object, not {type(value).__name__}.")
    return value


def _text(obj: dict, key: str, where: str = "data") -> str | None:
    """`obj[key]` as a string; None when absent or null."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{where}.{key} must be a string, not {type(value).__name__}.")
    return value


def _required_text(data: dict, key: str, max_length: int = 100) -> str:
    """A non-empty string that fits its column (Resend's ids are 36-character UUIDs)."""
    value = _text(data, key)
    if not value:
        raise ValidationFailed(f"data.{key} is missing.")
    if len(value) > max_length:
        raise ValidationFailed(f"data.{key} is longer than {max_length} characters.")
    return value


def _list(data: dict, key: str) -> list[str]:
    """`data[key]` as a list of strings (a lone string is a list of one)."""
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed(f"data.{key} must be a list of strings.")
    return value


def parse_time(value: Any, where: str = "created_at") -> datetime | None:
    """An ISO 8601 timestamp in UTC; None when absent. A value that is not a timestamp, or
    one that leaves the calendar once moved to UTC (`0001-01-01T00:00:00+14:00`), is refused."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{where} must be an ISO 8601 string.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise ValidationFailed(f"{where} is not a usable timestamp: {value[:40]!r}.") from exc


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
