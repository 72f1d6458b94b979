"""Segment mirroring against a real emulator process through the real `resend` SDK, on SQLite and
PostgreSQL (the send-path fixtures: `stack`, `emulator`, `app_env`, `workers`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import resend

from campaign_dashboard.config import EMULATOR_RESEND_KEY
from campaign_dashboard.providers.resend_audience import ResendAudienceProvider
from campaign_dashboard.ratelimit import DatabaseRateLimiter
from campaign_dashboard.services.audience.segment_mirror import MirrorDeps


@pytest.fixture
def sdk() -> Iterator[None]:
    """The resend SDK's module-level settings are restored after the test."""
    saved = resend.api_key, resend.api_url, resend.default_http_client
    yield
    resend.api_key, resend.api_url, resend.default_http_client = saved


@pytest.fixture
def mirror(emulator: str, engine, sdk) -> MirrorDeps:
    """What the worker builds, pointed at the emulator; rate limiting off (the emulator's too)."""
    return MirrorDeps(
        engine=engine,
        provider=ResendAudienceProvider(api_key=EMULATOR_RESEND_KEY, api_url=emulator),
        limiter=DatabaseRateLimiter(engine),
        bucket="email:mirror-test",
        rate=0,
        interval=timedelta(minutes=5),
        lease=timedelta(seconds=30),
    )


def remote_members(segment_id: str) -> dict[str, dict]:
    """The remote segment's contacts by email, read back through the SDK."""
    return {c["email"]: c for c in resend.Contacts.list(segment_id=segment_id)["data"]}
