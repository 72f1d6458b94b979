"""Small builders for emulator tests."""

from __future__ import annotations

from typing import Any


def email(to: str, campaign: str | None = "c1", recipient: str = "r1", **extra: Any) -> dict[str, Any]:
    """A campaign email as the app sends it."""
    tags = (
        [{"name": "campaign_id", "value": campaign}, {"name": "recipient_id", "value": recipient}] if campaign else []
    )
    return {
        "from": "Campaigns <campaigns@example.com>",
        "to": to,
        "subject": "Spring sale",
        "html": '<p>Hi</p><a href="https://shop.example.com/sale">Shop</a>',
        "text": "Hi - https://shop.example.com/sale",
        "tags": tags,
        **extra,
    }
