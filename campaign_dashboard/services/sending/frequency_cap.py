"""The frequency cap: at most N marketing messages per contact per D days, email and SMS together.

A campaign skips, as its audience is snapshotted, every contact who already got N messages in the
last D days: its recipient row is cancelled with the reason, so the campaign page shows who was
skipped and why, and the counts still add up. "A message" is a recipient row of any campaign, of
either channel, that was sent (`sent_at` set) and not failed; messages of campaigns that ignore the
cap count too (the contact got them). The test is one EXISTS per contact: "is there an Nth recent
message?", each ledger answered by its (contact_id, sent_at, status) index, never a count of all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, literal, select, union_all

from campaign_dashboard.config import Settings
from campaign_dashboard.models import EmailCampaignRecipient, RecipientStatus, SmsCampaignRecipient, table_of

NOT_RECEIVED = (RecipientStatus.FAILED.value, RecipientStatus.CANCELLED.value)


@dataclass(frozen=True)
class FrequencyCap:
    messages: int
    days: int

    @classmethod
    def for_campaign(cls, settings: Settings, *, ignore: bool | None) -> FrequencyCap | None:
        """The workspace's cap, unless it is off (0 messages) or the campaign ignores it."""
        if ignore or settings.frequency_cap_messages <= 0:
            return None
        return cls(messages=settings.frequency_cap_messages, days=settings.frequency_cap_days)

    def words(self) -> str:
        """The rule in words, as the campaign form and the confirmation say it."""
        return f"at most {_messages(self.messages)} per contact every {_days(self.days)}, email and SMS together"

    def reason(self) -> str:
        """Why a recipient was skipped, as its ledger row keeps it."""
        return f"frequency cap: {_messages(self.messages)} in the last {_days(self.days)}"

    def reached(self, contact_id: ColumnElement[Any], now: datetime) -> ColumnElement[bool]:
        """True for a contact (`contact_id`, a column of the enclosing query) who already got
        `messages` messages since `days` ago: the Nth recent row exists (LIMIT 1 OFFSET N-1)."""
        since = now - timedelta(days=self.days)
        recent = []
        for model in (EmailCampaignRecipient, SmsCampaignRecipient):
            row = table_of(model).alias()  # never the enclosing query's own ledger
            recent.append(
                select(literal(1).label("one"))
                .where(row.c.contact_id == contact_id, row.c.sent_at >= since, row.c.status.not_in(NOT_RECEIVED))
                .correlate_except(row)  # `contact_id` is the enclosing query's, even from inside a FROM
            )
        rows = union_all(*recent).subquery("recent_messages")
        return exists(select(rows.c.one).limit(1).offset(self.messages - 1))


def _messages(n: int) -> str:
    return f"{n:,} message{'' if n == 1 else 's'}"


def _days(n: int) -> str:
    return "day" if n == 1 else f"{n:,} days"
