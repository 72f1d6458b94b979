"""The consent ledger: every change of a contact's permission to receive email or SMS, and why.

Append-only (the database refuses UPDATE; DELETE is kept for a GDPR erasure only), so the ledger
is evidence of consent rather than a status that anyone can flip.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from campaign_dashboard.models.types import JSONType, UTCDateTime, utcnow


class ConsentEntry(SQLModel, table=True):
    """One permission change: who (contact and address), which channel, what happened, the source
    (import file, API token, dashboard user, keyword, link, provider event) and its evidence.

    `contact_id` carries no foreign key, like the audit log's actors: deleting a contact must not
    erase what it consented to; `address` keeps the email or phone the change was about.
    """

    __tablename__ = "consent_ledger"
    __table_args__ = (Index("ix_consent_ledger_contact_channel", "contact_id", "channel", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None)
    channel: str = Field(max_length=10)  # email | sms
    topic: str | None = Field(default=None, max_length=100)  # the topic's name (models/topics.py); None: all
    address: str = Field(default="", max_length=320)
    event: str = Field(max_length=20)  # services.audience.consent.ConsentEvent
    source: str = Field(max_length=40)  # services.audience.consent.SourceKind
    source_detail: str = Field(default="", max_length=500)  # file name, token, user
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    client_address: str | None = Field(default=None, max_length=100)  # IP address or phone number
    evidence: dict[str, Any] | None = Field(default=None, sa_type=JSONType)  # keyword, token, event ids
