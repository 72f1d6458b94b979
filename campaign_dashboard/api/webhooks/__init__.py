"""Provider callbacks: each module verifies the signature on the raw body, then calls services.

Shared here: reading the body with a size limit enforced on the stream, the error every route
answers with, and the start-up check of the signing secrets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import get_engine

T = TypeVar("T")


class WebhookRejected(Exception):
    """A request refused before any service ran: nothing was written."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@asynccontextmanager
async def signing_secrets_checked(_app: Any) -> AsyncIterator[None]:
    """Lifespan of the webhook routers: reading the settings at start-up refuses to start in
    production when a real provider has no signing secret (`Settings._require_signing_secrets`)."""
    get_settings()
    yield


def signing_secret(value: str | None, variable: str) -> str:
    """The secret to verify with, or 503: without one no request can be verified, and a 503
    (unlike a 200) tells the provider to retry once the secret is configured."""
    if not value:
        raise WebhookRejected(503, "not_configured", f"{variable} is not set: webhooks cannot be verified.")
    return value


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing (413) anything over `limit` bytes as soon as the stream passes it:
    the Content-Length header is checked first, but a chunked body has none."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise WebhookRejected(413, "payload_too_large", f"Body over {limit} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise WebhookRejected(413, "payload_too_large", f"Body over {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


async def apply_in_thread(apply: Callable[..., T], **kwargs) -> T:
    """Run a service with its own session in the thread pool: one thread hop per webhook (a sync
    session dependency would cost two more, for opening and closing the session). The session
    rolls back whatever the service did not commit."""

    def call() -> T:
        with Session(get_engine(), expire_on_commit=False) as session:
            return apply(session=session, **kwargs)

    return await run_in_threadpool(call)
