"""`POST /webhooks/resend`: Svix-signed Resend events.

Before verification: no secret configured 503, body over 1 MB 413 (enforced on the stream), bad
or missing signature 401; nothing is read further or stored. After verification the body goes to
the Resend adapter (services.events.adapters.resend) and its event to the service that applies it;
`email.received` goes to the app's `ReceivedEmailQueue` (a worker fetches the content). Every
verified event is acknowledged with 200, because Resend retries any other answer for about a day
and then disables the endpoint (no bounce or complaint would arrive after that): applied, replayed
and dead-lettered events say so; types we do not use and payloads we cannot read answer
`"ignored"` (the latter with the reason, also logged) and write nothing. See docs/events.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from svix.webhooks import Webhook, WebhookVerificationError

from campaign_dashboard import web_routes
from campaign_dashboard.api.errors import error_body
from campaign_dashboard.api.webhooks import (
    WebhookRejected,
    apply_in_thread,
    read_body,
    signing_secret,
    signing_secrets_checked,
)
from campaign_dashboard.config import get_settings
from campaign_dashboard.db import get_engine
from campaign_dashboard.services.audience.opt_outs import (
    ProviderSuppressionIn,
    apply_provider_suppression,
)
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.adapters import resend as adapter
from campaign_dashboard.services.events.dead_letters import Outcome
from campaign_dashboard.services.events.email_events import EmailEventIn, apply_email_events
from campaign_dashboard.services.events.group_commit import GroupCommit
from campaign_dashboard.services.events.inbound import InboundEmailIn
from campaign_dashboard.services.events.received_emails import ReceivedEmailQueue

router = APIRouter(tags=["webhooks"], lifespan=signing_secrets_checked)
log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


def _apply_batch(session: Session, events: Sequence[EmailEventIn]) -> list[Outcome]:
    return apply_email_events(session=session, events=events)


# The process's email events share transactions (services/events/group_commit, docs/events.md).
email_event_writers = GroupCommit(apply_batch=_apply_batch, engine=get_engine, name="resend-events")


@router.post(web_routes.RESEND_WEBHOOK)
async def resend_webhook(request: Request) -> JSONResponse:
    try:
        secret = signing_secret(get_settings().resend_signing_secret, "RESEND_WEBHOOK_SECRET")
        body = await read_body(request, MAX_BODY_BYTES)
        verify_signature(body, request.headers, secret)
    except WebhookRejected as exc:
        return JSONResponse(error_body(exc.code, exc.message), exc.status)
    try:
        item = adapter.from_body(body, event_id=request.headers["svix-id"])
    except ValidationFailed as exc:
        log.warning("Resend event %s ignored: %s", request.headers.get("svix-id"), exc.message)
        return JSONResponse({"status": "ignored", "reason": exc.message})
    if isinstance(item, adapter.IgnoredEvent):
        return JSONResponse({"status": "ignored", "type": item.type})
    if isinstance(item, InboundEmailIn):
        # The webhook has no body or headers: a worker fetches them from the Receiving API, then matches.
        queue: ReceivedEmailQueue = request.app.state.received_email_queue
        await run_in_threadpool(queue, item.payload, item.provider_event_id)
        return JSONResponse({"status": "queued"})
    if isinstance(item, ProviderSuppressionIn):
        outcome = await apply_in_thread(apply_provider_suppression, event=item)
    else:
        assert isinstance(item, EmailEventIn)
        outcome = await asyncio.wrap_future(email_event_writers.submit(item))
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
