"""Sign-ups waiting for their confirmation (double opt-in): what the person asked for, until the
link in the confirmation email is followed or the sign-up expires.

One row per email address: a new sign-up for the address replaces the old one (and its link),
but at most once an hour, so nobody can have us mail a stranger more often. Only a hash of the
link's token is kept; a confirmed row stays until it expires, so a second click says "already
confirmed".
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from campaign_dashboard.models.types import JSONType, UTCDateTime, utcnow


class PendingSignup(SQLModel, table=True):
    __tablename__ = "pending_signups"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    first_name: str = Field(default="", max_length=200)
    phone: str | None = Field(default=None, max_length=20)  # E.164, kept only with SMS consent
    sms_consent: bool = False
    sms_consent_text: str = Field(default="", max_length=1000)  # the wording the form showed
    topic_ids: list[int] = Field(default_factory=list, sa_type=JSONType)
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the link's token
    client_address: str | None = Field(default=None, max_length=100)  # who filled in the form
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    confirmation_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
