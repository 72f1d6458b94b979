"""Topics ("Newsletter", "Offers"): a campaign may target one, and a contact may opt out of one.

A contact opted out of a campaign's topic on the campaign's channel is left out of its audience
snapshot (one NOT EXISTS on this table's primary key). The row says only "not now"; why and when,
and every change back and forth, are in the consent ledger (its `topic` column).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from campaign_dashboard.models.types import UTCDateTime, utcnow


class Topic(SQLModel, table=True):
    __tablename__ = "topics"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    description: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TopicOptOut(SQLModel, table=True):
    """The contact does not want campaigns of `topic_id` on `channel` (email or sms)."""

    __tablename__ = "topic_opt_outs"
    __table_args__ = (Index("ix_topic_opt_outs_contact", "contact_id"),)

    # (topic, channel, contact) first: the snapshot probes it by the campaign's topic and channel.
    topic_id: int = Field(sa_column=Column(Integer, ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True))
    channel: str = Field(primary_key=True, max_length=10)
    contact_id: int = Field(sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
