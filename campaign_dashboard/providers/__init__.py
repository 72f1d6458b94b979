"""Provider adapters behind one small interface per channel (see `base`).

With no real credentials configured the adapters talk to the built-in emulator, through the same
SDK code paths."""

from __future__ import annotations

from campaign_dashboard.config import Settings
from campaign_dashboard.providers.base import EmailProvider, SmsProvider


def email_provider(settings: Settings) -> EmailProvider:
    from campaign_dashboard.providers.resend_email import ResendEmailProvider

    return ResendEmailProvider(api_key=settings.effective_resend_api_key, api_url=settings.effective_resend_api_url)


def sms_provider(settings: Settings) -> SmsProvider:
    from campaign_dashboard.providers.twilio_sms import TwilioSmsProvider

    return TwilioSmsProvider(
        account_sid=settings.effective_twilio_account_sid,
        auth_token=settings.effective_twilio_auth_token,
        api_url=settings.effective_twilio_api_url,
    )
