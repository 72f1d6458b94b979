"""A received email as the worker completes it: the webhook's metadata plus the Receiving API's content.

Resend's `email.received` webhook has no body and no headers. The worker fetches the email
(`GET /emails/receiving/{id}`) and `with_content` adds its text, html, In-Reply-To/References and
Content-Type; then `inbound.apply_inbound_email` matches it. When the content cannot be had (the key
may not read received emails, or Resend keeps failing) the email is matched on its metadata alone:
the reply token is in the address it was sent to, so a reply is still counted, only without its text.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from campaign_dashboard.services.events.inbound import InboundEmailIn


class ReceivedEmailQueue(Protocol):
    """Hands an `email.received` payload to a worker, which fetches the content and matches it.

    The port the Resend webhook depends on; implemented by `tasks.receiving.queue_received_email`
    and wired in by `api.app.create_api` (the API must not import the tasks)."""

    def __call__(self, payload: dict[str, Any], event_id: str) -> None: ...


def with_content(email: InboundEmailIn, received: dict[str, Any]) -> InboundEmailIn:
    """`email` completed with what the Receiving API returned for it."""
    headers = _headers(received.get("headers"))
    to = [*_list(received.get("to")), *_list(received.get("cc")), *_list(received.get("received_for"))]
    return replace(
        email,
        from_address=str(received.get("from") or email.from_address),
        to=list(dict.fromkeys([*email.to, *to])),
        subject=str(received.get("subject") if received.get("subject") is not None else email.subject),
        message_id=received.get("message_id") or email.message_id,
        in_reply_to=headers.get("in-reply-to") or email.in_reply_to,
        references=headers.get("references") or email.references,
        text=str(received.get("text") or ""),
        html=str(received.get("html") or ""),
        content_type=headers.get("content-type") or email.content_type,
    )


def _headers(raw: Any) -> dict[str, str]:
    """Header names lower-cased; Resend returns an object, a list of {name, value} is accepted too."""
    if isinstance(raw, dict):
        return {str(k).lower(): str(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return {str(h.get("name", "")).lower(): str(h.get("value", "")) for h in raw if isinstance(h, dict)}
    return {}


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []
