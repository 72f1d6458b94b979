"""The words stored in status columns. Plain str enums so they compare equal to the stored text."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class BreakerState(StrEnum):
    """The reputation breaker on a campaign (services/events/breaker.py); no value: still watching."""

    TRIPPED = "tripped"  # it paused the campaign; only a person's resume moves it on
    OVERRIDDEN = "overridden"  # a person resumed after a trip: the breaker leaves this campaign alone


class RecipientStatus(StrEnum):
    """A recipient's place in the send ledger, then its delivery state as events arrive."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    FAILED = "failed"
    CANCELLED = "cancelled"


UNSENT_STATUSES = (RecipientStatus.PENDING, RecipientStatus.CLAIMED)


class EmailStatus(StrEnum):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class SmsStatus(StrEnum):
    SUBSCRIBED = "subscribed"
    OPTED_OUT = "opted_out"


class Role(StrEnum):
    ADMIN = "admin"
    MARKETER = "marketer"
    VIEWER = "viewer"
