"""Email and SMS campaigns and their recipient ledgers.

Both channels share the same lifecycle columns (`CampaignFields`) and counters (`CampaignCounters`);
counters are kept up to date by the send path and the event handlers so stats never scan recipient rows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from campaign_dashboard.models.enums import CampaignStatus, RecipientStatus
from campaign_dashboard.models.types import UTCDateTime, utcnow


@dataclass
class CampaignCounters:
    """The counters every campaign keeps, declared once: they are the campaign tables' columns
    (`CampaignFields`) and the fields of `services.stats.StatsSummary`. A dataclass, so both a
    dataclass and a SQLModel can inherit them and type checkers see each field."""

    recipients: int = 0
    processed: int = 0  # recipients that reached a final send outcome (sent, failed, cancelled)
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    opened: int = 0
    unique_opens: int = 0
    clicked: int = 0
    unique_clicks: int = 0
    # Messages opened / clicked by a person, not a privacy proxy or link scanner
    # (services/events/machine_engagement.py): the rates marketers decide on.
    unique_human_opens: int = 0
    unique_human_clicks: int = 0
    bounced: int = 0
    complained: int = 0
    unsubscribed: int = 0
    replied: int = 0


COUNTER_FIELDS = tuple(f.name for f in fields(CampaignCounters))


class CampaignFields(SQLModel, CampaignCounters):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    status: str = Field(default=CampaignStatus.DRAFT, max_length=20, index=True)
    status_reason: str | None = Field(default=None, sa_type=Text)
    segment_id: int | None = Field(default=None, foreign_key="email_segments.id", index=True)
    scheduled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Bumped by every send batch and event: the cheap "something changed" marker the UI polls.
    last_activity_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A follow-up (services.campaigns.follow_ups): the campaign of the same channel it follows up
    # and which of its recipients it targets (the frozen set is its static segment).
    follow_up_of: int | None = Field(default=None)
    follow_up_audience: str | None = Field(default=None, max_length=20)
    # The reputation breaker's state (enums.BreakerState): None while it watches the campaign.
    breaker: str | None = Field(default=None, max_length=20)
    # Sends to the contacts the frequency cap would skip (services/sending/frequency_cap.py): for
    # an urgent notice every contact must get.
    ignore_frequency_cap: bool = False
    # How many of its recipients the frequency cap skipped as the audience was snapshotted.
    frequency_capped: int = 0
    # Send at this local time ("09:00") in each contact's own time zone, contacts without one in
    # `local_time_zone` (services/sending/local_time.py). None: as fast as the rate allows.
    local_send_time: str | None = Field(default=None, max_length=5)
    local_time_zone: str | None = Field(default=None, max_length=64)
    # The topic it is about (models/topics.py): contacts opted out of it on this channel are left
    # out of the audience. None: only the contact's channel-wide consent counts. No foreign key
    # (like `follow_up_of`): SQLite would copy the table to add one; a used topic cannot be deleted.
    topic_id: int | None = Field(default=None, index=True)


class EmailCampaign(CampaignFields, table=True):
    __tablename__ = "email_campaigns"

    subject: str = Field(default="", max_length=500)
    from_email: str = Field(default="", max_length=320)
    reply_to: str | None = Field(default=None, max_length=320)
    template_id: int | None = Field(default=None, foreign_key="email_templates.id")
    html: str | None = Field(default=None, sa_type=Text)
    text: str | None = Field(default=None, sa_type=Text)


class SmsCampaign(CampaignFields, table=True):
    __tablename__ = "sms_campaigns"

    body: str = Field(default="", sa_type=Text)
    from_number: str | None = Field(default=None, max_length=40)


class RecipientFields(SQLModel):
    """One ledger row per (campaign, address): the unit of effectively-once sending."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, index=True)
    address: str = Field(max_length=320, index=True)  # STOP and reply lookups by address
    status: str = Field(default=RecipientStatus.PENDING, max_length=20)
    batch_id: str | None = Field(default=None, max_length=64, index=True)
    chunk: int | None = None
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)  # deferred (quiet hours)
    attempts: int = 0
    provider_message_id: str | None = Field(default=None, max_length=100, index=True)
    last_error: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # An A/B campaign's group (models/ab_tests.py): the variant sent, or REMAINDER (waits for the
    # winner, then gets it). None for every other campaign.
    ab_group: int | None = None


class EmailCampaignRecipient(RecipientFields, table=True):
    __tablename__ = "email_campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "address", name="uq_email_recipients_campaign_address"),
        Index("ix_email_recipients_campaign_status_id", "campaign_id", "status", "id"),
        Index("ix_email_recipients_status_lease", "status", "lease_expires_at"),
        # the frequency cap's probe: a contact's recent messages, read from the index alone
        Index("ix_email_recipients_contact_sent", "contact_id", "sent_at", "status"),
        # the rows waiting for their local send time, by time, read without touching the others
        Index("ix_email_recipients_campaign_status_not_before", "campaign_id", "status", "not_before"),
    )

    campaign_id: int = Field(foreign_key="email_campaigns.id", ondelete="CASCADE")


class SmsCampaignRecipient(RecipientFields, table=True):
    __tablename__ = "sms_campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "address", name="uq_sms_recipients_campaign_address"),
        Index("ix_sms_recipients_campaign_status_id", "campaign_id", "status", "id"),
        Index("ix_sms_recipients_status_lease", "status", "lease_expires_at"),
        # the frequency cap's probe: a contact's recent messages, read from the index alone
        Index("ix_sms_recipients_contact_sent", "contact_id", "sent_at", "status"),
        # the rows waiting for their quiet hours, by window, read without touching the others
        Index("ix_sms_recipients_campaign_status_not_before", "campaign_id", "status", "not_before"),
    )

    campaign_id: int = Field(foreign_key="sms_campaigns.id", ondelete="CASCADE")
    segments: int = 1
