"""A/B tests: a campaign's variants, how much of its audience tests them, and the decision.

One row per campaign (channel + campaign id; the two campaign tables share it). Each recipient of
an A/B campaign carries its group on the ledger row (`RecipientFields.ab_group`): a variant's
index, or `REMAINDER` for those who wait for the winner (services/sending/ab_split.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from campaign_dashboard.models.types import JSONType, UTCDateTime, utcnow

REMAINDER = -1  # the ab_group of a recipient who waits for the winner


class AbTest(SQLModel, table=True):
    __tablename__ = "ab_tests"
    __table_args__ = (UniqueConstraint("channel", "campaign_id", name="uq_ab_tests_channel_campaign"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10)
    campaign_id: int
    # 2-4 variants: email {subject, html?, from_name?}, SMS {body}; index 0 is "A".
    variants: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    test_share: int = 20  # percent of the audience that tests the variants (1-99)
    metric: str = Field(max_length=20)  # services/campaigns/ab_tests.METRICS
    wait_minutes: int = 240  # from the start until the winner is picked
    remainder: int = 0  # how many recipients wait for the winner (counted when the campaign starts)
    # Set once, by one conditional UPDATE (services/campaigns/ab_decision.py): the winner's index,
    # when, how (the wait ended, or a person) and the numbers it was picked on.
    winner: int | None = None
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
