"""What the settings page says about each provider: emulator or live, API address, sender.

Read from the settings only; whether the credentials work is `check_credentials()`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaign_dashboard.config import Settings


@dataclass(frozen=True)
class ProviderStatus:
    channel: str  # "email" or "sms"
    provider: str
    emulated: bool
    api_url: str
    sender: str
    account: str  # which credentials are used, without revealing a secret


def provider_statuses(settings: Settings) -> list[ProviderStatus]:
    if settings.uses_email_emulator:
        key = "the emulator's built-in key (RESEND_API_KEY is not set)"
    else:
        key = f"RESEND_API_KEY {settings.effective_resend_api_key[:6]}…"
    if settings.twilio_messaging_service_sid:
        sms_sender = f"Messaging Service {settings.twilio_messaging_service_sid}"
    else:
        sms_sender = settings.twilio_from or "(TWILIO_FROM is not set)"
    sid = settings.effective_twilio_account_sid
    return [
        ProviderStatus(
            "email", "Resend", settings.uses_email_emulator, settings.effective_resend_api_url, settings.email_from, key
        ),
        ProviderStatus(
            "sms",
            "Twilio",
            settings.uses_sms_emulator,
            settings.effective_twilio_api_url or "https://api.twilio.com",
            sms_sender,
            f"account {sid}" + (" (the emulator's)" if settings.uses_sms_emulator else ""),
        ),
    ]
