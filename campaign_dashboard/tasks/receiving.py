"""Huey task that completes and matches a received email (Resend `email.received`).

The webhook answers at once and queues this task: it fetches the email's body and headers from
Resend's Receiving API (the webhook carries metadata only), then matches and stores it
(services.received_emails, services.inbound). Retryable provider errors come back here (5 s, then
doubling); on the last try, or when Resend will not give the content (404, a sending-only key),
the email is matched on its metadata: the reply token is in the address it was sent to.
Safe to run twice: the received email's id is stored once.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import get_engine
from campaign_dashboard.providers.base import FatalError, RetryableError
from campaign_dashboard.providers.resend_receiving import (
    NotReceived,
    ResendReceivingProvider,
)
from campaign_dashboard.services.events.adapters.resend import normalise
from campaign_dashboard.services.events.dead_letters import Outcome
from campaign_dashboard.services.events.inbound import InboundEmailIn, apply_inbound_email
from campaign_dashboard.services.events.received_emails import with_content
from campaign_dashboard.tasks.queue import huey

log = logging.getLogger(__name__)

RETRIES = 6  # 5 s, 10 s, 20 s, ... about five minutes in all


@lru_cache
def receiving_provider() -> ResendReceivingProvider:
    settings = get_settings()
    return ResendReceivingProvider(api_key=settings.effective_resend_api_key, api_url=settings.effective_resend_api_url)


@huey.task(retries=RETRIES, retry_delay=5, retry_backoff=2, context=True)
def receive_email_task(payload: dict[str, Any], event_id: str, task=None) -> str:
    return str(receive_email(payload, event_id=event_id, last_try=task is None or task.retries <= 0))


def queue_received_email(payload: dict[str, Any], event_id: str) -> None:
    """The webhook's `ReceivedEmailQueue` (services.events.received_emails), wired in by
    `campaign_dashboard.wiring`: the fetch and the match happen in a worker."""
    receive_email_task(payload, event_id)


def receive_email(
    payload: dict[str, Any], *, event_id: str, last_try: bool, provider: ResendReceivingProvider | None = None
) -> Outcome:
    """Fetch the content of the received email in `payload`, then match and store it."""
    email = normalise(payload, event_id=event_id)
    assert isinstance(email, InboundEmailIn), "only email.received events are queued here"
    try:
        email = with_content(email, (provider or receiving_provider()).get_received(email.provider_id))
    except RetryableError as exc:
        if not last_try:
            raise
        log.warning("received email %s: content not fetched (%s); matching on metadata", email.provider_id, exc)
    except (NotReceived, FatalError) as exc:
        log.warning("received email %s: content not available (%s); matching on metadata", email.provider_id, exc)
    with Session(get_engine(), expire_on_commit=False) as session:
        return apply_inbound_email(session=session, email=email)
