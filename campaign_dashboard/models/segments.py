"""Who a campaign goes to: a rule set evaluated in SQL, or a static list of contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from campaign_dashboard.models.types import JSONType, UTCDateTime, utcnow


class EmailSegment(SQLModel, table=True):
    """Segments target both channels; the name follows the product spec (`emailSegments`)."""

    __tablename__ = "email_segments"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(default="rules", max_length=10)
    rules: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    match: str = Field(default="all", max_length=3)
    resend_segment_id: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EmailSegmentContact(SQLModel, table=True):
    """Membership of a static segment."""

    __tablename__ = "email_segment_contacts"

    segment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("email_segments.id", ondelete="CASCADE"), primary_key=True)
    )
    contact_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
