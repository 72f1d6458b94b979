"""Token buckets shared by every worker when Redis is not configured."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class RateLimitBucket(SQLModel, table=True):
    __tablename__ = "rate_limit_buckets"

    key: str = Field(primary_key=True, max_length=200)
    tokens: float
    updated_at: float  # epoch seconds: arithmetic on it is the whole point
