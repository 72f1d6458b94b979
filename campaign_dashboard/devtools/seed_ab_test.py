"""The demo's finished A/B test: its recipients split as the real start splits them, the second
subject opened more often (so it wins), and the decision recorded by the same judge as the
worker's, on the numbers the seeded rows give."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session, col

from campaign_dashboard.devtools.demo_content import Plan
from campaign_dashboard.models import AbTest, Contact, EmailCampaignRecipient, RecipientStatus, SentEmail, table_of
from campaign_dashboard.models.ab_tests import REMAINDER
from campaign_dashboard.services.campaigns.ab_decision import BY_WAIT, judge
from campaign_dashboard.services.sending.ab_split import split
from campaign_dashboard.services.stats.variant_rates import variant_rates

AB_SHARE, AB_METRIC = 20, "open_rate"
AB_WAIT = timedelta(hours=4)
BOOST = 0.35  # of the delivered, unopened emails of the winning subject, how many more are opened


def ab_groups(campaign, plan: Plan, audience: list[tuple[int, str]], statuses: list, rng: random.Random) -> dict:
    """contact id -> group for an A/B plan ({} otherwise); the second subject's recipients (and
    the remainder, who get it as the winner) open more, changing `statuses` in place."""
    if not plan.ab_subjects:
        return {}
    groups = split(campaign.id, [c for c, _ in audience], share=AB_SHARE, variants=len(plan.ab_subjects))
    for i, (contact_id, _) in enumerate(audience):
        if groups[contact_id] != 0 and statuses[i] == RecipientStatus.DELIVERED and rng.random() < BOOST:
            statuses[i] = RecipientStatus.OPENED
    return groups


def record_ab_test(session: Session, campaign, plan: Plan, decided_at: datetime) -> None:
    """The test row, decided on the seeded numbers, and each group's subject on its sent emails."""
    session.flush()
    decision = judge(variant_rates(session=session, channel="email", campaign_id=campaign.id), 2, AB_METRIC)
    decision["by"] = BY_WAIT
    subjects = {i: subject for i, subject in enumerate(plan.ab_subjects)}
    subjects[REMAINDER] = plan.ab_subjects[decision["winner"]]
    rows: list[Any] = list(
        session.execute(
            select(col(SentEmail.id), col(EmailCampaignRecipient.ab_group), col(Contact.first_name))
            .join(EmailCampaignRecipient, col(EmailCampaignRecipient.id) == col(SentEmail.recipient_id))
            .join(Contact, col(Contact.id) == col(EmailCampaignRecipient.contact_id))
            .where(col(SentEmail.campaign_id) == campaign.id)
        ).all()
    )
    if rows:  # the subject each one got, as the send path renders it
        session.execute(
            update(table_of(SentEmail))
            .where(table_of(SentEmail).c.id == bindparam("sid"))
            .values(subject=bindparam("s")),
            [{"sid": sid, "s": subjects[group].replace("{{ first_name }}", name or "")} for sid, group, name in rows],
        )
    session.add(
        AbTest(
            channel="email",
            campaign_id=campaign.id,
            variants=[{"subject": s} for s in plan.ab_subjects],
            test_share=AB_SHARE,
            metric=AB_METRIC,
            wait_minutes=int(AB_WAIT.total_seconds() // 60),
            winner=decision["winner"],
            decided_at=decided_at,
            decision=decision,
            created_at=campaign.created_at,
            updated_at=decided_at,
        )
    )
