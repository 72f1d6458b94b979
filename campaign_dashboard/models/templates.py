"""Reusable email content (Jinja2, rendered in a sandbox per recipient)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from campaign_dashboard.models.types import UTCDateTime, utcnow


class EmailTemplate(SQLModel, table=True):
    __tablename__ = "email_templates"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    subject: str = Field(default="", max_length=500)
    html: str = Field(default="", sa_type=Text)
    text: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
