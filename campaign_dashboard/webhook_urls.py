"""The webhook URLs to paste into Resend and Twilio: the paths the webhook routes are declared with
(`web_routes`), under the public address. Outside `api` so the settings page can show them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from campaign_dashboard.web_routes import RESEND_WEBHOOK, TWILIO_INBOUND_WEBHOOK, TWILIO_STATUS_WEBHOOK


@dataclass(frozen=True)
class WebhookUrl:
    key: str  # a stable name, e.g. for element ids
    provider: str
    url: str
    where: str  # where it goes in the provider's console


def webhook_urls(public_base_url: str) -> list[WebhookUrl]:
    base = public_base_url.rstrip("/")
    return [
        WebhookUrl(
            "resend",
            "Resend",
            base + RESEND_WEBHOOK,
            "Resend → Webhooks → Add endpoint, with every email.* event and suppression.added; put its signing secret in "
            "RESEND_WEBHOOK_SECRET.",
        ),
        WebhookUrl(
            "twilio-inbound",
            "Twilio",
            base + TWILIO_INBOUND_WEBHOOK,
            'Twilio → your number (or Messaging Service) → "A message comes in", HTTP POST: replies and STOP.',
        ),
        WebhookUrl(
            "twilio-status",
            "Twilio",
            base + TWILIO_STATUS_WEBHOOK,
            "Nothing to paste: every SMS is sent with this status callback (delivery receipts).",
        ),
    ]


def reachable_only_here(public_base_url: str) -> bool:
    """True when the address only works on this machine (localhost, 127.x, ::1): fine for the
    emulator, but Resend and Twilio cannot call it."""
    host = urlsplit(public_base_url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
