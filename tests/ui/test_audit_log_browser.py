"""The audit log page in a real browser: an admin's contact export shows up, newest first, with
its actor; the filters narrow it; anyone else is refused by URL."""

from __future__ import annotations

import re

import pytest

from tests.helpers.ui import ACCOUNTS, login, screenshot

pytestmark = [pytest.mark.browser]


def test_an_export_is_listed_on_the_audit_log_page_for_an_admin(page):
    from playwright.sync_api import expect

    login(page, "admin")
    page.goto("contacts")
    with page.expect_download():
        page.locator("#export-contacts").click()

    page.get_by_role("link", name="Audit log").first.click()
    table = page.locator("#audit-log")
    first_row = table.locator("tbody tr").first
    expect(first_row).to_contain_text("contacts.export")
    expect(first_row).to_contain_text(ACCOUNTS["admin"][0])
    screenshot(page, "audit-log")

    page.locator("#audit-actor").fill("nobody-like-this")
    expect(page.get_by_text("Nothing recorded matches these filters.")).to_be_visible()
    page.locator("#audit-actor").fill(ACCOUNTS["admin"][0])
    expect(table.locator("tbody tr").first).to_contain_text("contacts.export")

    # The filter is in the address: a reload keeps it; a date that is not one falls back to all.
    expect(page).to_have_url(re.compile(r"/audit-log\?actor=admin%40"))
    page.reload()
    expect(page.locator("#audit-actor")).to_have_value(ACCOUNTS["admin"][0])
    expect(table.locator("tbody tr").first).to_contain_text("contacts.export")
    page.goto("audit-log?since=yesterday")
    expect(page.get_by_text("since must be a date (YYYY-MM-DD).")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/audit-log$"))


@pytest.mark.parametrize("role", ["viewer", "marketer"])
def test_anyone_but_an_admin_is_refused_the_audit_log_by_url(page, role):
    from playwright.sync_api import expect

    login(page, role)
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    page.goto("audit-log")
    expect(page.locator("#audit-refused")).to_be_visible()
    expect(page.locator("#audit-log")).to_have_count(0)
