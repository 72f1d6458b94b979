"""Smoke test in a real browser: the app starts with demo data and its pages show it."""

from __future__ import annotations

import re

import pytest

from tests.ui.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_email_page_lists_the_demo_campaigns_newest_first_with_their_status(page):
    from playwright.sync_api import expect

    page.goto("email")
    table = page.locator("#email-campaigns")
    expect(table).to_be_visible()
    sent = table.locator("tbody tr", has_text="Black Friday early access")
    expect(sent).to_contain_text("sent")
    expect(sent.locator(".status-badge")).to_have_text("sent")
    expect(table.locator("tbody tr", has_text="Winter sale announcement").locator(".status-badge")).to_have_text(
        "sending"
    )
    expect(table.locator("tbody tr").first).to_contain_text("Year in review 2026")  # newest first
    expect(page.get_by_role("heading", name="Email campaigns")).to_be_visible()
    screenshot(page, "email-campaigns")


def test_the_sidebar_leads_to_the_sms_campaigns(page):
    from playwright.sync_api import expect

    page.goto("email")
    expect(page.locator("#email-campaigns")).to_be_visible()
    page.get_by_role("link", name="SMS").first.click()
    expect(page).to_have_url(re.compile(r"/sms/?$"))
    row = page.locator("#sms-campaigns tbody tr", has_text="Flash sale alert")
    expect(row.locator(".status-badge")).to_have_text("sending")
    screenshot(page, "sms-campaigns")


def test_the_overview_counts_campaigns_by_status(page):
    from playwright.sync_api import expect

    page.goto("")
    counts = page.locator("#status-counts")
    expect(counts).to_be_visible()
    for status in ("draft", "scheduled", "sending", "paused", "sent", "failed", "cancelled"):
        expect(counts.locator("tbody tr", has_text=status).first).to_be_visible()
    expect(page.get_by_text("Contacts", exact=True).first).to_be_visible()
    screenshot(page, "overview")


@pytest.mark.parametrize(
    ("path", "table", "text"),
    [("contacts", "#contacts", "@example."), ("segments", "#segments", "VIP customers"),
     ("templates", "#templates", "Monthly newsletter")],
)
def test_the_list_pages_show_the_demo_rows(page, path, table, text):
    from playwright.sync_api import expect

    page.goto(path)
    expect(page.locator(table)).to_contain_text(text)
    if path == "contacts":
        screenshot(page, "contacts")
