"""The overview's counts, on both databases, against the demo data."""

from __future__ import annotations

import pytest

from campaign_dashboard.devtools.seed import EMAIL_PLANS, SMS_PLANS, seed_demo
from campaign_dashboard.models import CampaignStatus
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.audience.segment_summaries import segment_summaries
from campaign_dashboard.services.stats import Totals, overview_counts


@pytest.fixture
def demo(session):
    seed_demo(session=session, contacts=200, create_admin=False)
    return session


def test_status_counts_cover_every_status_in_lifecycle_order(demo):
    _, counts = overview_counts(session=demo)
    assert [c.status for c in counts] == [s.value for s in CampaignStatus]
    assert all(c.email >= 1 and c.sms >= 1 for c in counts)


def test_overview_totals_add_up_the_campaigns(demo):
    totals, counts = overview_counts(session=demo)
    email_campaigns = len(EMAIL_PLANS) + 1  # and the demo's follow-up to the November newsletter
    assert (totals.contacts, totals.email_campaigns, totals.sms_campaigns) == (200, email_campaigns, len(SMS_PLANS))
    assert totals.email_campaigns == sum(c.email for c in counts)
    sent = sum(
        c.sent
        for channel in ("email", "sms")
        for c in campaigns.list_campaigns(session=demo, channel=channel, limit=100).items
    )
    assert totals.messages_sent == sent > 0
    assert (totals.segments, totals.templates) == (len(segment_summaries(session=demo)), 2)


def test_empty_database_gives_empty_pages(session):
    totals, counts = overview_counts(session=session)
    assert totals == Totals()
    assert all(c.email == c.sms == 0 for c in counts)
