"""The audience: contacts, their tags, and addresses we must never message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from campaign_dashboard.models.enums import EmailStatus, SmsStatus
from campaign_dashboard.models.types import JSONType, UTCDateTime, utcnow


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"

    id: int | None = Field(default=None, primary_key=True)
    email: str | None = Field(default=None, max_length=320, unique=True)
    phone: str | None = Field(default=None, max_length=20, index=True, description="E.164")
    first_name: str = Field(default="", max_length=200)
    last_name: str = Field(default="", max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    email_status: str = Field(default=EmailStatus.SUBSCRIBED, max_length=20, index=True)
    sms_status: str = Field(default=SmsStatus.SUBSCRIBED, max_length=20, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContactTag(SQLModel, table=True):
    """One row per (contact, tag): tag rules become an indexed join instead of a JSON scan."""

    __tablename__ = "contact_tags"
    __table_args__ = (Index("ix_contact_tags_tag_contact", "tag", "contact_id"),)

    contact_id: int = Field(sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True))
    tag: str = Field(primary_key=True, max_length=100)


class Suppression(SQLModel, table=True):
    """An address that no campaign may target (hard bounce, complaint, unsubscribe, STOP, manual)."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_suppressions_channel_address"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10)
    address: str = Field(max_length=320)
    reason: str = Field(max_length=50)
    source: str = Field(default="manual", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
