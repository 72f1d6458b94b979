"""Picking an A/B test's winner, once: when its wait is over (the worker's tick) or when a person
asks, whichever comes first.

The winner is the variant with the highest rate on the test's metric (`stats.variant_rates`), the
first one on a tie. Whether it really is better is said honestly: the best variant is compared
with the runner-up by a two-proportion z-test, at 5 % split over the comparisons a test with more
variants makes (Bonferroni); above that it is "no clear winner", and the remainder still gets the
best-looking variant. The decision, with each variant's sample sizes and rates, is written by one
conditional UPDATE (`... WHERE decided_at IS NULL`), so of several workers and people deciding at
once exactly one decides; the remainder becomes claimable as that commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlmodel import Session, col

from campaign_dashboard.models import AbTest, CampaignStatus, Channel, RecipientStatus, utcnow
from campaign_dashboard.models.ab_tests import REMAINDER
from campaign_dashboard.services.campaigns.ab_tests import METRICS, label
from campaign_dashboard.services.campaigns.records import get
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.errors import Conflict, NotFound
from campaign_dashboard.services.stats.two_proportion import ALPHA, two_proportion_z_test
from campaign_dashboard.services.stats.variant_rates import VariantNumbers, variant_rates

BY_WAIT = "the wait ended"
DECIDABLE = (CampaignStatus.SENDING, CampaignStatus.PAUSED)


def judge(numbers: dict[int, VariantNumbers], variants: int, metric: str) -> dict[str, Any]:
    """The decision on these numbers (pure): the winner, every variant's sample and rate, the test
    of the winner against the runner-up and a sentence saying what it means."""
    rows = [numbers.get(i) or VariantNumbers(i, 0, 0) for i in range(variants)]
    ranked = sorted(range(variants), key=lambda i: (-rows[i].rate(metric), i))
    best, second = rows[ranked[0]], rows[ranked[1]]
    test = two_proportion_z_test(best.successes(metric), best.sent, second.successes(metric), second.sent)
    alpha = ALPHA / (variants - 1)
    significant = test.p_value < alpha
    words = METRICS[Channel.EMAIL].get(metric) or METRICS[Channel.SMS][metric]
    a, b = label(best.group), label(second.group)
    rates = f"{words} {best.rate(metric):.1%} against {b}'s {second.rate(metric):.1%}"
    samples = f"{best.sent} and {second.sent} sent"
    if significant:
        summary = f"{a} wins: {rates} ({samples}; p = {test.p_value:.3f})."
    elif not best.sent and not second.sent:
        summary = f"No clear winner: nothing was measured (no test message was sent); the remainder gets {a}."
    else:
        summary = (
            f"No clear winner: {a} did best, {rates} ({samples}), but the difference may be chance "
            f"(p = {test.p_value:.2f}); the remainder gets {a}."
        )
    return {
        "metric": metric,
        "winner": best.group,
        "runner_up": second.group,
        "significant": significant,
        "p_value": round(test.p_value, 6),
        "z": round(test.z, 4),
        "alpha": round(alpha, 6),
        "summary": summary,
        "variants": [
            {
                "label": label(r.group),
                "recipients": r.recipients,
                "sent": r.sent,
                "successes": r.successes(metric),
                "rate": round(r.rate(metric), 6),
            }
            for r in rows
        ],
    }


def decide(*, session: Session, channel: str, campaign_id: int, by: str, now: datetime | None = None) -> AbTest:
    """Decide the campaign's A/B test now and commit; `by`: who or what decided (a person's email,
    or BY_WAIT). Conflict when it has no test, has not started, has finished or is decided."""
    channel = Channel(channel)
    campaign = get(session=session, channel=channel, campaign_id=campaign_id)
    test = session.scalars(
        select(AbTest).where(col(AbTest.channel) == channel.value, col(AbTest.campaign_id) == campaign_id)
    ).first()
    if test is None:
        raise NotFound(f"The {channel.value} campaign {campaign_id} has no A/B test.")
    if test.decided_at is not None:
        raise Conflict(f"The winner was already picked ({label(test.winner or 0)}).")
    if campaign.status not in DECIDABLE:
        raise Conflict(f"The campaign is {campaign.status}: a winner can be picked while it is sending or paused.")
    now = now or utcnow()
    numbers = variant_rates(session=session, channel=channel, campaign_id=campaign_id)
    decision = judge(numbers, len(test.variants), test.metric)
    decision["by"] = by
    written = session.exec(
        update(AbTest)
        .where(col(AbTest.id) == test.id, col(AbTest.decided_at).is_(None))
        .values(winner=decision["winner"], decided_at=now, decision=decision, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if written != 1:
        session.rollback()
        raise Conflict("The winner was picked by someone else a moment ago.")
    Campaign = campaign_model(channel)
    session.exec(
        update(Campaign)
        .where(col(Campaign.id) == campaign_id)
        .values(last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(test)
    session.commit()  # no transaction left open (on SQLite even a read holds the lock)
    return test


def due(*, session: Session, channel: str, now: datetime | None = None) -> list[int]:
    """The sending campaigns whose test should be decided now: the wait since the start is over
    and every test message went out (none pending or being sent)."""
    channel = Channel(channel)
    Campaign, Recipient = campaign_model(channel), recipient_model(channel)
    now = now or utcnow()
    testing = exists().where(
        col(Recipient.campaign_id) == col(Campaign.id),
        col(Recipient.status).in_([RecipientStatus.PENDING.value, RecipientStatus.CLAIMED.value]),
        col(Recipient.ab_group) != REMAINDER,
        col(Recipient.ab_group).is_not(None),
    )
    rows: list[Any] = list(
        session.execute(
            select(col(Campaign.id), col(Campaign.started_at), col(AbTest.wait_minutes))
            .join(AbTest, (col(AbTest.campaign_id) == col(Campaign.id)) & (col(AbTest.channel) == channel.value))
            .where(col(Campaign.status) == CampaignStatus.SENDING, col(AbTest.decided_at).is_(None), ~testing)
        ).all()
    )
    session.rollback()  # end the read (SQLite holds its lock otherwise)
    return [int(cid) for cid, started, wait in rows if started is None or started + timedelta(minutes=int(wait)) <= now]


def decide_due(*, session: Session, channel: str, now: datetime | None = None) -> list[int]:
    """Decide every test `due` names; the ids decided here (another worker may take some first)."""
    decided = []
    for campaign_id in due(session=session, channel=channel, now=now):
        try:
            decide(session=session, channel=channel, campaign_id=campaign_id, by=BY_WAIT, now=now)
        except (Conflict, NotFound):
            session.rollback()
            continue
        decided.append(campaign_id)
    return decided


def public(test: AbTest | None, numbers: dict[int, VariantNumbers] | None = None) -> dict[str, Any] | None:
    """The test as the API and the page show it: settings, each group's live numbers, the decision."""
    if test is None:
        return None
    numbers = numbers or {}
    channel = Channel(test.channel)

    def card(group: int) -> dict[str, Any]:
        n = numbers.get(group) or VariantNumbers(group, 0, 0)
        return {
            "recipients": n.recipients,
            "sent": n.sent,
            "delivered": n.delivered,
            "opened": n.opened,
            "clicked": n.clicked,
            "replied": n.replied,
            "rate": round(n.rate(test.metric), 6),
        }

    return {
        "variants": [
            {"index": i, "label": label(i), **v, "numbers": card(i), "winner": test.winner == i}
            for i, v in enumerate(test.variants)
        ],
        "test_share": test.test_share,
        "metric": test.metric,
        "metric_label": METRICS[channel][test.metric],
        "wait_minutes": test.wait_minutes,
        "remainder": card(REMAINDER),
        "winner": test.winner,
        "winner_label": None if test.winner is None else label(test.winner),
        "decided_at": test.decided_at,
        "decision": test.decision,
    }
