"""Provider callbacks: each module verifies the signature on the raw body, then calls services."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from campaign_dashboard.db import get_engine

T = TypeVar("T")


async def apply_in_thread(apply: Callable[..., T], **kwargs) -> T:
    """Run a service with its own session in the thread pool: one thread hop per webhook (a sync
    session dependency would cost two more, for opening and closing the session). The session
    rolls back whatever the service did not commit."""

    def call() -> T:
        with Session(get_engine(), expire_on_commit=False) as session:
            return apply(session=session, **kwargs)

    return await run_in_threadpool(call)
