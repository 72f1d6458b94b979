"""Dashboard numbers: period totals from minute buckets, all-time totals from counters, top links.

Events are counted through the same service the webhooks use (`count_event`), at chosen times;
every expected number below is summed by hand from what the test itself recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaign_dashboard.models import EmailEvent
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.counters import count_event
from campaign_dashboard.services.stats import StatsSummary, campaign_summary, period_summary, top_links
from tests.factories import make_email_campaign, make_sms_campaign

NOW = datetime(2026, 11, 20, 12, 0, 30, tzinfo=UTC)


def record(session, channel, campaign, ago: timedelta, applied_ago: timedelta | None = None, **counts) -> None:
    """Counters and buckets as if the events happened `ago` before NOW and were applied then (or
    `applied_ago` before NOW: providers deliver some webhooks late)."""
    at = NOW - ago
    count_event(
        session=session,
        channel=channel,
        campaign_id=campaign.id,
        at=at,
        now=NOW - (ago if applied_ago is None else applied_ago),
        counters=counts,
        metrics=counts,
    )
    session.commit()


@pytest.fixture
def history(session):
    """Two email campaigns and an SMS campaign with activity 1 hour, 3 days, 20 and 60 days ago."""
    old = make_email_campaign(session, status="sent")
    recent = make_email_campaign(session, status="sending")
    sms = make_sms_campaign(session, status="sent")
    record(
        session,
        "email",
        old,
        timedelta(days=60),
        sent=1000,
        delivered=950,
        bounced=30,
        unique_opens=400,
        opened=600,
        unique_clicks=100,
        clicked=130,
        unsubscribed=5,
        replied=2,
    )
    record(session, "email", old, timedelta(days=20), opened=20, unique_opens=10, clicked=4, unique_clicks=3)
    record(
        session,
        "email",
        recent,
        timedelta(days=3),
        sent=200,
        delivered=190,
        bounced=6,
        failed=4,
        unique_opens=50,
        opened=70,
        complained=1,
    )
    record(
        session,
        "email",
        recent,
        timedelta(hours=1),
        sent=100,
        delivered=96,
        bounced=2,
        unique_opens=40,
        opened=45,
        unique_clicks=12,
        clicked=15,
        unsubscribed=1,
        replied=3,
    )
    record(session, "sms", sms, timedelta(days=3), sent=80, delivered=75, failed=5, unsubscribed=2)
    record(session, "sms", sms, timedelta(minutes=10), sent=20, delivered=18, failed=1, replied=4)
    return old, recent, sms


def test_the_last_24_hours_count_only_what_happened_since(session, history):
    got = period_summary(session=session, period="24h", now=NOW)
    assert got == StatsSummary(
        sent=100 + 20,
        delivered=96 + 18,
        failed=1,
        email_sent=100,
        email_delivered=96,
        opened=45,
        unique_opens=40,
        clicked=15,
        unique_clicks=12,
        bounced=2,
        complained=0,
        unsubscribed=1,
        replied=3 + 4,
        sms_sent=20,
        sms_delivered=18,
    )


def test_seven_and_thirty_days_reach_further_back(session, history):
    week = period_summary(session=session, period="7d", now=NOW)
    assert (week.email_sent, week.sms_sent, week.sent) == (300, 100, 400)
    assert (week.email_delivered, week.sms_delivered, week.delivered) == (286, 93, 379)
    assert (week.unique_opens, week.opened, week.bounced, week.failed) == (90, 115, 8, 4 + 5 + 1)
    assert (week.unsubscribed, week.replied, week.complained) == (1 + 2, 3 + 4, 1)

    month = period_summary(session=session, period="30d", now=NOW)
    assert (month.unique_opens, month.opened) == (90 + 10, 115 + 20)
    assert (month.unique_clicks, month.clicked) == (12 + 3, 15 + 4)
    assert month.email_sent == 300  # the 60-day-old sends are out of range


def test_all_time_sums_the_campaign_counters(session, history):
    got = period_summary(session=session, period="all", now=NOW)
    assert got == StatsSummary(
        sent=1300 + 100,
        delivered=1236 + 93,
        failed=4 + 6,
        email_sent=1300,
        email_delivered=1236,
        opened=735,
        unique_opens=500,
        clicked=149,
        unique_clicks=115,
        bounced=38,
        complained=1,
        unsubscribed=6 + 2,
        replied=5 + 4,
        sms_sent=100,
        sms_delivered=93,
    )


def test_a_period_starts_on_a_whole_minute(session, history):
    # 24 h before NOW (12:00:30) the period starts at 12:00:00 the day before: an event at 12:00:40
    # is in, one at 11:59:30 (arriving late, just now) is out.
    old, recent, sms = history
    record(session, "email", recent, timedelta(hours=23, minutes=59, seconds=50), sent=7)
    assert period_summary(session=session, period="24h", now=NOW).email_sent == 100 + 7
    record(session, "email", recent, timedelta(hours=24, minutes=1), applied_ago=timedelta(0), sent=1000)
    assert period_summary(session=session, period="24h", now=NOW).email_sent == 100 + 7
    assert period_summary(session=session, period="7d", now=NOW).email_sent == 300 + 7 + 1000


def test_no_campaigns_means_zeros_and_an_unknown_period_is_refused(session):
    assert period_summary(session=session, period="7d") == StatsSummary()
    assert period_summary(session=session, period="all") == StatsSummary()
    with pytest.raises(ValidationFailed, match="Unknown period"):
        period_summary(session=session, period="week")


def test_one_campaign_reads_its_own_counters(session, history):
    old, recent, sms = history
    got = campaign_summary(session=session, channel="email", campaign_id=recent.id)
    assert (got.sent, got.email_sent, got.delivered, got.bounced, got.failed) == (300, 300, 286, 8, 4)
    assert (got.unique_opens, got.unique_clicks, got.sms_sent) == (90, 12, 0)
    texts = campaign_summary(session=session, channel="sms", campaign_id=sms.id)
    assert (texts.sent, texts.sms_sent, texts.sms_delivered, texts.email_sent) == (100, 100, 93, 0)
    assert (texts.unsubscribed, texts.replied) == (2, 4)
    assert campaign_summary(session=session, channel="sms", campaign_id=recent.id + sms.id + 100) is None


def test_top_links_counts_clicks_per_link_of_one_campaign(session):
    campaign = make_email_campaign(session, status="sent")
    other = make_email_campaign(session, status="sent")
    clicks = {"https://example.com/sale": 5, "https://example.com/new": 2, "https://example.com/about": 2}
    n = 0
    for link, times in clicks.items():
        for _ in range(times):
            n += 1
            session.add(EmailEvent(provider_event_id=f"c{n}", type="clicked", campaign_id=campaign.id, link=link))
    session.add(EmailEvent(provider_event_id="o1", type="opened", campaign_id=campaign.id, link=None))
    session.add(
        EmailEvent(provider_event_id="d1", type="delivered", campaign_id=campaign.id, link="https://example.com/sale")
    )
    session.add(
        EmailEvent(provider_event_id="x1", type="clicked", campaign_id=other.id, link="https://example.com/sale")
    )
    session.commit()

    assert top_links(session=session, campaign_id=campaign.id) == [
        ("https://example.com/sale", 5),
        ("https://example.com/about", 2),
        ("https://example.com/new", 2),
    ]
    assert top_links(session=session, campaign_id=campaign.id, limit=1) == [("https://example.com/sale", 5)]
    assert top_links(session=session, campaign_id=other.id) == [("https://example.com/sale", 1)]
