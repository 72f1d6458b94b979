"""Who a campaign goes to: a rule set evaluated in SQL, or a static list of contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from campaign_dashboard.models.types import JSONType, UTCDateTime, utcnow


class Segment(SQLModel, table=True):
    """A segment targets both channels; only the table keeps the spec's name (`email_segments`)."""

    __tablename__ = "email_segments"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(default="rules", max_length=10)
    rules: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    match: str = Field(default="all", max_length=3)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Mirroring to Resend Segments (services.segment_mirror): the remote segment and its name as
    # last sent, when the next sync is due (NULL: never synced, so due), the lease of the worker
    # syncing it, and why the last sync failed.
    resend_segment_id: str | None = Field(default=None, max_length=100)
    resend_segment_name: str | None = Field(default=None, max_length=200)
    resend_sync_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    resend_synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resend_sync_claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resend_sync_error: str | None = Field(default=None, max_length=500)


class SegmentContact(SQLModel, table=True):
    """Membership of a static segment."""

    __tablename__ = "email_segment_contacts"

    segment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("email_segments.id", ondelete="CASCADE"), primary_key=True)
    )
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


class ResendSegmentMember(SQLModel, table=True):
    """A contact as we last put it in the segment's Resend mirror. Kept after the contact is
    deleted or leaves (no contact foreign key), so the next sync knows to remove it remotely."""

    __tablename__ = "resend_segment_members"

    segment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("email_segments.id", ondelete="CASCADE"), primary_key=True)
    )
    contact_id: int = Field(primary_key=True)
    email: str = Field(max_length=320)
    first_name: str = Field(default="", max_length=200)
    last_name: str = Field(default="", max_length=200)
    unsubscribed: bool = False
    error: str | None = Field(default=None, max_length=500)  # Resend refused this contact
    synced_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ResendSegmentDeletion(SQLModel, table=True):
    """A Resend segment whose local segment was deleted: removed remotely by the worker, then here."""

    __tablename__ = "resend_segment_deletions"

    remote_id: str = Field(sa_column=Column(String(100), primary_key=True))
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # next attempt
    last_error: str | None = Field(default=None, max_length=500)
