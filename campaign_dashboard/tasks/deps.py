"""Builds the send path's dependencies once per worker process from the settings."""

from __future__ import annotations

from functools import lru_cache

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import get_engine
from campaign_dashboard.providers import email_provider, sms_provider
from campaign_dashboard.ratelimit import make_rate_limiter
from campaign_dashboard.services.sending import SendDeps, SendSettings


def send_settings() -> SendSettings:
    s = get_settings()
    return SendSettings(
        public_base_url=s.public_base_url,
        secret_key=s.secret_key,
        email_account=f"resend:{s.effective_resend_api_key[-8:]}",
        sms_account=f"twilio:{s.effective_twilio_account_sid}",
        email_from=s.email_from,
        sms_from=s.twilio_from,
        messaging_service_sid=s.twilio_messaging_service_sid,
        batch_size=s.send_batch_size,
        lease_seconds=s.send_lease_seconds,
        email_requests_per_second=s.resend_requests_per_second,
        sms_messages_per_second=s.twilio_mps_per_sender,
        error_budget_ratio=s.error_budget_ratio,
        error_budget_sample=s.error_budget_sample,
        quiet_hours=(s.quiet_hours_start, s.quiet_hours_end) if s.quiet_hours_enabled else None,
    )


@lru_cache
def send_deps() -> SendDeps:
    settings = get_settings()
    engine = get_engine()
    return SendDeps(
        engine=engine,
        settings=send_settings(),
        limiter=make_rate_limiter(redis_url=settings.redis_url, engine=engine),
        email=email_provider(settings),
        sms=sms_provider(settings),
    )
