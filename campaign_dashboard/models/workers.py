"""Worker heartbeats: every worker process writes its row each tick, so the web app can tell an
operator (and `/api/ready`) when no worker is running."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from campaign_dashboard.models.types import UTCDateTime, utcnow


class WorkerHeartbeat(SQLModel, table=True):
    __tablename__ = "worker_heartbeats"

    worker_id: str = Field(primary_key=True, max_length=200)  # host:pid:start, unique per process
    hostname: str = Field(max_length=200)
    pid: int
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(timezone=True))
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(timezone=True), index=True)
