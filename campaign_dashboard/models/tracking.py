"""What happened after sending: provider messages, events, inbound mail and per-minute stats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from campaign_dashboard.models.types import JSONType, UTCDateTime, utcnow


class SentEmail(SQLModel, table=True):
    """One accepted email: provider id, Message-ID for reply matching, latest state.

    The composite indexes serve the behaviour rules of segments (`behaviour_rules`): who did what
    with one campaign, and who opened or clicked anything since a date."""

    __tablename__ = "sent_emails"
    __table_args__ = (
        # What each contact did with a campaign, read from the index alone.
        Index(
            "ix_sent_emails_campaign_activity",
            "campaign_id",
            "contact_id",
            "status",
            "last_engaged_at",
            "last_clicked_at",
        ),
        Index("ix_sent_emails_contact_sent", "contact_id", "sent_at", "status"),
        Index("ix_sent_emails_engaged_contact", "last_engaged_at", "contact_id"),
        Index("ix_sent_emails_clicked_contact", "last_clicked_at", "contact_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Indexed first in ix_sent_emails_campaign_activity, contact_id in ix_sent_emails_contact_sent.
    campaign_id: int | None = Field(default=None, foreign_key="email_campaigns.id")
    recipient_id: int | None = Field(default=None, foreign_key="email_campaign_recipients.id", index=True)
    contact_id: int | None = None
    provider_message_id: str = Field(max_length=100, unique=True)
    message_id_header: str | None = Field(default=None, max_length=300, index=True)
    reply_token: str | None = Field(default=None, max_length=64, unique=True)
    to_address: str = Field(max_length=320)
    subject: str = Field(default="", max_length=500)
    status: str = Field(default="sent", max_length=20)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_clicked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The first open and click a person made (machine ones left out: events/machine_engagement.py).
    human_opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    human_clicked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The latest human open or click (a click proves an open), and the latest click: re-opens included.
    last_engaged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_clicked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    open_count: int = 0
    click_count: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EmailEvent(SQLModel, table=True):
    """Every provider event, stored once: the unique provider event id makes replays no-ops."""

    __tablename__ = "email_events"
    __table_args__ = (
        Index("ix_email_events_campaign_occurred", "campaign_id", "occurred_at"),
        Index("ix_email_events_campaign_received", "campaign_id", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_event_id: str = Field(max_length=200, unique=True)
    type: str = Field(max_length=40, index=True)
    campaign_id: int | None = Field(default=None, foreign_key="email_campaigns.id")
    recipient_id: int | None = Field(default=None, index=True)
    sent_email_id: int | None = Field(default=None, foreign_key="sent_emails.id", index=True)
    provider_message_id: str | None = Field(default=None, max_length=100, index=True)
    link: str | None = Field(default=None, sa_type=Text)
    detail: str | None = Field(default=None, sa_type=Text)
    # An open or click made by a privacy proxy or link scanner, not a person.
    machine: bool = False
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SmsEvent(SQLModel, table=True):
    """Twilio status callbacks and inbound keywords; the event id is derived (sid + status)."""

    __tablename__ = "sms_events"
    __table_args__ = (
        Index("ix_sms_events_campaign_occurred", "campaign_id", "occurred_at"),
        Index("ix_sms_events_campaign_received", "campaign_id", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_event_id: str = Field(max_length=200, unique=True)
    type: str = Field(max_length=40, index=True)
    campaign_id: int | None = Field(default=None, foreign_key="sms_campaigns.id")
    recipient_id: int | None = Field(default=None, index=True)
    provider_message_id: str | None = Field(default=None, max_length=100, index=True)
    error_code: str | None = Field(default=None, max_length=20)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeadLetterEvent(SQLModel, table=True):
    """An event we could verify but not apply (unknown message id): kept with the reason."""

    __tablename__ = "dead_letter_events"

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=20)
    provider_event_id: str | None = Field(default=None, max_length=200, unique=True)
    type: str = Field(default="", max_length=40)
    reason: str = Field(sa_type=Text)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InboundEmail(SQLModel, table=True):
    """A reply we matched to a sent email."""

    __tablename__ = "inbound_emails"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: str = Field(max_length=200, unique=True)
    sent_email_id: int | None = Field(default=None, foreign_key="sent_emails.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="email_campaigns.id", index=True)
    contact_id: int | None = Field(default=None, index=True)
    from_address: str = Field(max_length=320)
    to_address: str = Field(default="", max_length=320)
    subject: str = Field(default="", max_length=500)
    text: str = Field(default="", sa_type=Text)
    html: str = Field(default="", sa_type=Text)
    in_reply_to: str | None = Field(default=None, max_length=300)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FailedInboundEmail(SQLModel, table=True):
    """Inbound mail we could not match, and bounce notices (DSNs), with why."""

    __tablename__ = "failed_inbound_emails"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: str = Field(max_length=200, unique=True)
    from_address: str = Field(default="", max_length=320)
    to_address: str = Field(default="", max_length=320)
    subject: str = Field(default="", max_length=500)
    reason: str = Field(sa_type=Text)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CampaignStatsMinute(SQLModel, table=True):
    """Per-minute event counts for charts, upserted in the event's own transaction."""

    __tablename__ = "campaign_stats_minutes"
    __table_args__ = (UniqueConstraint("channel", "campaign_id", "minute", "metric", name="uq_stats_minute"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10)
    campaign_id: int
    minute: datetime = Field(sa_type=UTCDateTime)
    metric: str = Field(max_length=20)
    count: int = 0
