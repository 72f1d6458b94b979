"""The read-only queries behind the pages, on both databases, against the demo data."""

from __future__ import annotations

import pytest

from campaign_dashboard.models import CampaignStatus
from campaign_dashboard.services.seed import seed_demo
from campaign_dashboard.ui import queries
from tests import conftest as root_conftest

if not hasattr(root_conftest, "postgresql_url"):  # tests/conftest.py asks for this name; alias it

    @pytest.fixture(scope="session")
    def postgresql_url(postgres_url: str) -> str:
        return postgres_url


@pytest.fixture
def demo(session):
    seed_demo(session=session, contacts=200, create_admin=False)
    return session


def test_campaign_lists_are_newest_first_per_channel(demo):
    emails = queries.list_campaigns(session=demo, channel="email")
    sms = queries.list_campaigns(session=demo, channel="sms")
    assert emails[0].name == "Year in review 2026" and sms[0].name == "Loyalty points reminder"
    assert [c.created_at for c in emails] == sorted((c.created_at for c in emails), reverse=True)
    sent = next(c for c in emails if c.name == "Black Friday early access")
    assert sent.status == "sent" and 0 < sent.sent <= sent.recipients


def test_status_counts_cover_every_status_in_lifecycle_order(demo):
    counts = queries.campaign_status_counts(session=demo)
    assert [c.status for c in counts] == [s.value for s in CampaignStatus]
    assert all(c.email >= 1 and c.sms >= 1 for c in counts)


def test_totals_and_lists(demo):
    totals = queries.totals(session=demo)
    assert (totals.contacts, totals.email_campaigns, totals.sms_campaigns) == (200, 10, 8)
    assert totals.messages_sent > 0
    contacts = queries.list_contacts(session=demo, limit=20)
    assert len(contacts) == 20 and all(c.email for c in contacts)
    segments = {s.name: s for s in queries.list_segments(session=demo)}
    assert segments["VIP customers"].rules == "tag is vip"
    assert segments["Beta testers (static)"].kind == "static"
    assert [t.name for t in queries.list_templates(session=demo)] == ["Monthly newsletter", "Promotion"]


def test_empty_database_gives_empty_pages(session):
    assert queries.list_campaigns(session=session, channel="email") == []
    assert queries.totals(session=session) == queries.Totals()
