"""Smoke test in a real browser: the app starts with demo data and its pages show it.

One test walks through every page.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

STATUSES = ("draft", "scheduled", "sending", "paused", "sent", "failed", "cancelled")


def test_a_marketer_browses_the_demo_campaigns_contacts_segments_and_templates(page, app_db):
    from playwright.sync_api import expect
    from sqlmodel import Session, func, select

    from campaign_dashboard.models import Contact, EmailCampaign

    login(page, "marketer")

    # Email: the demo campaigns, newest first, each with its status badge.
    page.goto("email")
    expect(page.get_by_role("heading", name="Email campaigns")).to_be_visible()
    # `up` runs a worker: no false alarm that campaigns will not send (tests/ui/test_worker_banner.py
    # shows the warning with no worker)
    expect(page.locator("#worker-warning")).to_have_count(0)
    emails = page.locator("#email-campaigns")
    expect(emails.locator("tbody tr", has_text="Black Friday early access").locator(".status-badge")).to_have_text(
        "sent"
    )
    # A sent campaign says when it was sent, and its open and click rates of the delivered.
    with Session(app_db) as session:
        sent = session.exec(select(EmailCampaign).where(EmailCampaign.name == "Black Friday early access")).one()
    black_friday = emails.locator("tbody tr", has_text="Black Friday early access")
    expect(black_friday).to_contain_text("Sent ")
    # the rates a marketer decides on: people's, machine opens and clicks left out
    expect(black_friday.locator(".click-rate")).to_have_text(f"{100 * sent.unique_human_clicks / sent.delivered:.1f}%")
    expect(black_friday.locator(".open-rate")).to_have_text(f"{100 * sent.unique_human_opens / sent.delivered:.1f}%")
    # The demo's sending campaign really sends (worker + emulator), so it may already be done.
    expect(emails.locator("tbody tr", has_text="Winter sale announcement").locator(".status-badge")).to_have_text(
        re.compile(r"^(sending|sent)$")
    )
    # Newest first (other tests may have added newer campaigns of their own above the demo's).
    names = emails.locator(".campaign-link").all_inner_texts()
    assert (
        names.index("Year in review 2026")
        < names.index("Holiday gift guide")
        < names.index("Black Friday early access")
    )
    screenshot(page, "email-campaigns")
    for status in STATUSES:  # each status has its demo campaign, under its tab (the first page may not reach it)
        if status != "sending":  # see above: the sending demo campaign may have finished already
            page.goto(f"email?tab={status}")
            expect(emails.locator(".status-badge", has_text=re.compile(f"^{status}$")).first).to_be_visible()

    # SMS, through the sidebar.
    page.get_by_role("link", name="SMS").first.click()
    expect(page).to_have_url(re.compile(r"/sms/?$"))
    sms = page.locator("#sms-campaigns")
    expect(sms.locator("tbody tr", has_text="Flash sale alert").locator(".status-badge")).to_have_text(
        re.compile(r"^(sending|sent)$")
    )
    screenshot(page, "sms-campaigns")

    # Overview: totals and every status counted.
    page.get_by_role("link", name="Overview").first.click()
    counts = page.locator("#status-counts")
    for status in STATUSES:
        expect(counts.locator("tbody tr", has_text=status).first).to_be_visible()
    # The demo's 3,000 contacts, and any a test before this one added to the shared app.
    with Session(app_db) as session:
        contacts = session.exec(select(func.count()).select_from(Contact)).one()
    assert contacts >= 3000
    expect(page.get_by_text(re.compile(rf"^{contacts:,} contacts · "))).to_be_visible()
    screenshot(page, "overview")

    # The list pages.
    page.get_by_role("link", name="Contacts").first.click()
    expect(page.locator("#contacts")).to_contain_text("@example.")
    screenshot(page, "contacts")
    page.get_by_role("link", name="Segments").first.click()
    expect(page.locator("#segments")).to_contain_text("VIP customers")
    page.get_by_role("link", name="Templates").first.click()
    expect(page.locator("#templates")).to_contain_text("Monthly newsletter")
