"""`campaign-dashboard bench pages`: the data it builds is consistent like real sending left it,
and the whole benchmark runs end to end with tiny numbers."""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from campaign_dashboard.cli import ROOT
from campaign_dashboard.devtools.bench.pages import apps_running_here, contact_list_specs
from campaign_dashboard.devtools.bench.pages_data import STATUS_MIX, TAGS, build_data
from campaign_dashboard.models import (
    CampaignStatsMinute,
    Contact,
    ContactTag,
    EmailCampaign,
    EmailCampaignRecipient,
    EmailEvent,
    SentEmail,
    SmsCampaign,
    SmsCampaignRecipient,
)
from campaign_dashboard.models.campaigns import COUNTER_FIELDS
from campaign_dashboard.services.audience.contact_search import ContactFilter, count_contacts, find_contacts

LOCK_PATH = ROOT / ".reflex" / "browser-tests.lock"  # tests/ui/conftest.py's _one_app_at_a_time


def test_the_data_is_the_asked_size_in_every_status_with_counters_from_the_ledger(engine):
    data = build_data(engine, campaigns=40, recipients=1500)
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Contact)).scalar_one() == 1500
        emails = session.scalars(select(EmailCampaign)).all()
        sms = session.scalars(select(SmsCampaign)).all()
        assert len(emails) + len(sms) == 40 == data.email_campaigns + data.sms_campaigns
        assert {c.status for c in emails + sms} == {s.value for s in STATUS_MIX}

        for campaigns, Recipient in ((emails, EmailCampaignRecipient), (sms, SmsCampaignRecipient)):
            for campaign in campaigns:
                rows = session.execute(select(func.count()).where(Recipient.campaign_id == campaign.id)).scalar_one()
                assert campaign.recipients == rows
                assert campaign.delivered <= campaign.sent <= campaign.processed <= campaign.recipients
                assert campaign.unique_clicks <= campaign.unique_opens <= campaign.delivered
                if campaign.status in ("draft", "scheduled"):
                    assert all(getattr(campaign, f) == 0 for f in COUNTER_FIELDS)
                if campaign.status == "paused":
                    assert 0 < campaign.processed < campaign.recipients  # pending rows are left

        big = session.get(EmailCampaign, data.big_campaign_id)
        assert (big.name, big.status, big.recipients, big.processed) == (data.big_campaign, "sent", 1500, 1500)
        assert data.newest_email == big.name
        events = dict(
            session.execute(
                select(EmailEvent.type, func.count()).where(EmailEvent.campaign_id == big.id).group_by(EmailEvent.type)
            ).all()
        )
        # Every counter is explained by its events, and the charts' minute buckets add up to them.
        assert events == {
            "delivered": big.delivered,
            "opened": big.unique_opens,
            "clicked": big.unique_clicks,
            "bounced": big.bounced,
            "complained": big.complained,
        }
        buckets = dict(
            session.execute(
                select(CampaignStatsMinute.metric, func.sum(CampaignStatsMinute.count))
                .where(CampaignStatsMinute.campaign_id == big.id)
                .group_by(CampaignStatsMinute.metric)
            ).all()
        )
        assert buckets["sent"] == big.sent and buckets["delivered"] == big.delivered
        assert len(session.execute(select(CampaignStatsMinute.minute).distinct()).all()) == 2  # 1,000 a minute
        assert (
            session.execute(
                select(func.count()).select_from(SentEmail).where(SentEmail.campaign_id == big.id)
            ).scalar_one()
            == big.sent
        )


def test_contacts_are_sized_apart_from_the_big_campaign_and_every_timed_search_finds_what_it_waits_for(engine):
    data = build_data(engine, campaigns=6, recipients=300, contacts=1000)
    with Session(engine) as session:
        ids = session.scalars(select(Contact.id)).all()
        big = session.get(EmailCampaign, data.big_campaign_id)
        assert (len(ids), data.contacts, big.recipients) == (1000, 1000, 300)
        newest = session.get(Contact, max(ids))
        assert data.searched_contact == newest.email
        for tag, every in TAGS.items():
            tagged = session.scalars(select(ContactTag.contact_id).where(ContactTag.tag == tag)).all()
            assert sorted(tagged) == [i for i in sorted(ids) if i % every == 0]
        # What each contacts load waits for is what the list's filters give at this size too.
        for spec in contact_list_specs(data):
            query = dict(parse_qsl(urlsplit(spec.path).query))
            filters = ContactFilter(search=query.pop("q", ""), **query)
            [(selector, text)] = spec.ready
            if selector == "#contacts-none-match":
                assert count_contacts(session=session, filters=filters) == 0, spec.name
                continue
            page = find_contacts(session=session, filters=filters)
            assert page.items, spec.name
            for contact in page.items:
                name = f"{contact.first_name} {contact.last_name}"
                shown = [name, contact.email, contact.email_status, contact.sms_status, *page.tags.get(contact.id, [])]
                # the benchmark's check ignores case, as the page's row text is read
                assert any(text.lower() in (value or "").lower() for value in shown), (spec.name, contact.email)
        assert count_contacts(session=session, filters=ContactFilter(search=data.searched_contact)) == 1


def test_the_big_campaign_needs_as_many_contacts_as_recipients(engine):
    with pytest.raises(ValueError, match="need as many contacts"):
        build_data(engine, campaigns=3, recipients=500, contacts=400)


@pytest.mark.browser
def test_the_benchmark_times_every_page_of_this_build(chromium_path):
    if pids := apps_running_here():
        # tests/ui's app stays up until the end of the session once a test there used it (and its
        # lock is held by this very process: waiting for it would never end).
        pytest.skip(f"an app from this checkout is running (pid {pids}): run tests/bench before tests/ui")
    # Never two apps from one checkout at once (they share the frontend build): the lock of tests/ui.
    LOCK_PATH.parent.mkdir(exist_ok=True)
    with open(LOCK_PATH, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "campaign_dashboard",
                "bench",
                "pages",
                "--campaigns",
                "6",
                "--recipients",
                "300",
                "--contacts",
                "400",
                "--loads",
                "1",
                "--json",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert (report["database"], report["campaigns"], report["recipients"], report["contacts"]) == (
        "sqlite",
        6,
        300,
        400,
    )
    assert report["errors"] == {}
    before, peak = report["build_rss_mb"]
    assert 20 < before <= peak
    paths = {p["path"] for p in report["pages"]}
    assert paths >= {"/", "/email", "/sms", "/contacts", "/segments", "/templates", "/settings"}
    # The contacts list with a search and with filters in its address, and the big campaign's
    # recipients filtered by a click.
    names = {p["name"] for p in report["pages"]}
    assert {"contacts, search one contact by email", "contacts, search that matches nobody"} <= names
    assert sum(name.startswith("contacts, filter") for name in names) == 2
    assert any(name.startswith("email campaign detail") and "filtered to complained" in name for name in names)
    for page in report["pages"]:
        if page["skipped"]:  # only a page this build does not have yet
            assert page["skipped"].startswith("no page at /email/")
            continue
        assert len(page["loads_ms"]) == 1 and 0 < page["median_ms"] < 60_000
