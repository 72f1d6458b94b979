"""The audit log: who changed what, when and from where. One append-only table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from campaign_dashboard.models.types import JSONType, UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """One write by a dashboard user or an API token.

    The actor's ids carry no foreign keys and `actor_label` keeps their email or token name as it
    was: deleting a user or revoking a token must not erase or blur what they did.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_user_id: int | None = Field(default=None, index=True)
    actor_token_id: int | None = Field(default=None, index=True)
    actor_label: str = Field(default="", max_length=320)
    action: str = Field(max_length=100, index=True)
    object_type: str | None = Field(default=None, max_length=50)
    object_id: str | None = Field(default=None, max_length=100)
    client_address: str | None = Field(default=None, max_length=100)
    detail: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
