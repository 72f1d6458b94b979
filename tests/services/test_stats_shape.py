"""One shape of the numbers: a counter added to the models reaches the API and the dashboard alike."""

from __future__ import annotations

from campaign_dashboard.api.campaign_routes import CampaignStats
from campaign_dashboard.models import COUNTER_FIELDS
from campaign_dashboard.services import stats
from campaign_dashboard.services.audience.contact_search import contacts_by_ids
from tests.factories import make_contact, make_email_campaign


def test_the_api_and_the_dashboard_read_the_same_numbers_of_a_campaign(session):
    campaign = make_email_campaign(session, recipients=8, processed=2, sent=2, delivered=1, opened=3)
    api = stats.campaign_stats(session=session, channel="email", campaign_id=campaign.id)
    shown = stats.summary_of(campaign, "email")
    assert list(api) == ["status", *COUNTER_FIELDS, "progress"] == list(CampaignStats.model_fields)
    assert api == {name: getattr(shown, name) for name in api}
    assert (shown.recipients, shown.processed, shown.progress, shown.email_sent) == (8, 2, 0.25, 2)


def test_a_period_has_no_status_recipients_or_progress(session):
    make_email_campaign(session, recipients=8, processed=8, sent=8)
    summary = stats.period_summary(session=session, period="all")
    assert (summary.sent, summary.status, summary.recipients, summary.processed, summary.progress) == (8, "", 0, 0, 0)


def test_static_members_are_read_in_the_order_listed_and_unknown_ids_are_left_out(session):
    first, second = make_contact(session), make_contact(session)
    assert [c.id for c in contacts_by_ids(session=session, contact_ids=[second.id, 10**9, first.id])] == [
        second.id,
        first.id,
    ]
