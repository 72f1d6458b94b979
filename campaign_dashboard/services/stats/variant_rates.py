"""Each A/B variant's numbers, counted from its recipients: the one read an A/B test's winner is
picked on and the campaign page's variant cards show.

One GROUP BY over the campaign's ledger rows that carry a group (joined to the sent emails for
opens and clicks, to the SMS events for replies). Opens and clicks are people's: the sent
emails' `last_engaged_at` / `last_clicked_at` move only with opens and clicks no privacy proxy or
link scanner made (services/events/machine_engagement.py, docs/engagement.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlmodel import Session

from campaign_dashboard.models import Channel, RecipientStatus, SentEmail, SmsEvent, table_of
from campaign_dashboard.services.channels import recipient_model

# What each metric counts as a success, per message sent.
METRIC_COUNTS = {"open_rate": "opened", "click_rate": "clicked", "reply_rate": "replied", "delivery_rate": "delivered"}
SMS_REPLY = "inbound"  # the sms_events type of a plain answer (services.events.inbound)
_DELIVERED = (RecipientStatus.DELIVERED.value, RecipientStatus.OPENED.value, RecipientStatus.CLICKED.value)


@dataclass(frozen=True)
class VariantNumbers:
    group: int  # the variant's index, or models.ab_tests.REMAINDER
    recipients: int  # ledger rows in the group
    sent: int  # messages that left us
    delivered: int = 0
    opened: int = 0  # email: opened by a person (or clicked, which proves an open)
    clicked: int = 0
    replied: int = 0  # SMS: answered with a plain reply

    def successes(self, metric: str) -> int:
        return int(getattr(self, METRIC_COUNTS[metric]))

    def rate(self, metric: str) -> float:
        """Successes per message sent; 0 before anything was sent."""
        return self.successes(metric) / self.sent if self.sent else 0.0


def variant_rates(*, session: Session, channel: Channel | str, campaign_id: int) -> dict[int, VariantNumbers]:
    """The numbers of every group of the campaign's recipients, by group."""
    channel = Channel(channel)
    ledger_table = table_of(recipient_model(channel))
    ledger = ledger_table.c
    counted = (ledger.campaign_id == campaign_id, ledger.ab_group.is_not(None))

    def total(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    if channel is Channel.EMAIL:
        sent_table = table_of(SentEmail)
        sent = sent_table.c
        query = (
            select(
                ledger.ab_group,
                func.count(ledger.id),
                func.count(sent.id),
                total(sent.delivered_at.is_not(None)),
                total(sent.last_engaged_at.is_not(None)),
                total(sent.last_clicked_at.is_not(None)),
            )
            .select_from(ledger_table)
            .outerjoin(sent_table, sent.recipient_id == ledger.id)
            .where(*counted)
            .group_by(ledger.ab_group)
        )
        return {
            int(g): VariantNumbers(int(g), int(n), int(s), delivered=int(d), opened=int(o), clicked=int(c))
            for g, n, s, d, o, c in list[Any](session.execute(query).all())
        }
    events = table_of(SmsEvent).c
    answered = exists().where(
        and_(events.recipient_id == ledger.id, events.campaign_id == campaign_id, events.type == SMS_REPLY)
    )
    query = (
        select(
            ledger.ab_group,
            func.count(ledger.id),
            total(ledger.provider_message_id.is_not(None)),
            total(ledger.status.in_(_DELIVERED)),
            total(answered),
        )
        .where(*counted)
        .group_by(ledger.ab_group)
    )
    return {
        int(g): VariantNumbers(int(g), int(n), int(s), delivered=int(d), replied=int(r))
        for g, n, s, d, r in list[Any](session.execute(query).all())
    }
