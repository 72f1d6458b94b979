"""What the settings page says about the providers and where their webhooks must point."""

from __future__ import annotations

import pytest

from campaign_dashboard.config import Settings
from campaign_dashboard.providers.status import provider_statuses
from campaign_dashboard.webhook_urls import reachable_only_here, webhook_urls


def test_with_no_keys_both_providers_are_the_emulator():
    settings = Settings(
        emulator_port=8123,
        resend_api_key=None,
        resend_api_url=None,
        twilio_account_sid=None,
        twilio_auth_token=None,
        twilio_api_url=None,
        email_from="Campaigns <campaigns@example.com>",
        twilio_from="+15005550006",
        twilio_messaging_service_sid=None,
    )
    email, sms = provider_statuses(settings)
    assert (email.emulated, email.api_url, email.sender) == (
        True,
        "http://127.0.0.1:8123",
        "Campaigns <campaigns@example.com>",
    )
    assert (sms.emulated, sms.api_url, sms.sender) == (True, "http://127.0.0.1:8123", "+15005550006")


def test_live_providers_show_their_address_and_sender_but_not_the_secrets():
    settings = Settings(
        resend_api_key="re_live_secret_key",
        email_from="News <news@shop.example>",
        twilio_account_sid="AC" + "9" * 32,
        twilio_auth_token="live-token-secret",
        twilio_messaging_service_sid="MG123",
        resend_api_url=None,
        twilio_api_url=None,
    )
    email, sms = provider_statuses(settings)
    assert (email.emulated, email.api_url, email.sender) == (
        False,
        "https://api.resend.com",
        "News <news@shop.example>",
    )
    assert (sms.emulated, sms.api_url, sms.sender) == (False, "https://api.twilio.com", "Messaging Service MG123")
    assert "re_live_secret_key" not in email.account and email.account.startswith("RESEND_API_KEY re_liv")
    assert "live-token-secret" not in sms.account and "AC" + "9" * 32 in sms.account


def test_a_twilio_sid_without_a_token_is_still_the_emulator():
    _, sms = provider_statuses(Settings(twilio_account_sid="AC" + "9" * 32, twilio_auth_token=None))
    assert sms.emulated


def test_webhook_urls_are_the_public_address_plus_the_routes():
    urls = {u.key: u.url for u in webhook_urls("https://campaigns.shop.example/")}
    assert urls == {
        "resend": "https://campaigns.shop.example/webhooks/resend",
        "twilio-inbound": "https://campaigns.shop.example/webhooks/twilio/inbound",
        "twilio-status": "https://campaigns.shop.example/webhooks/twilio/status",
    }


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://127.0.0.2", True),
        ("https://campaigns.shop.example", False),
        ("http://203.0.113.7:8000", False),
    ],
)
def test_a_loopback_public_address_is_flagged(url, local):
    assert reachable_only_here(url) is local
