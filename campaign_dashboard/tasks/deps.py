"""Builds the send path's dependencies once per worker process from the settings."""

from __future__ import annotations

from functools import lru_cache

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import get_engine
from campaign_dashboard.providers import email_provider, sms_provider
from campaign_dashboard.providers.instrumented import MeasuredEmail, MeasuredSms
from campaign_dashboard.ratelimit import make_rate_limiter
from campaign_dashboard.services.sending import SendDeps


@lru_cache
def send_deps() -> SendDeps:
    settings = get_settings()
    engine = get_engine()
    return SendDeps(
        engine=engine,
        settings=settings,
        limiter=make_rate_limiter(redis_url=settings.redis_url, engine=engine),
        email=MeasuredEmail(email_provider(settings)),
        sms=MeasuredSms(sms_provider(settings)),
    )
