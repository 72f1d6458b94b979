"""A list's search, filters, tab and page live in the address: a reload, a shared link and Back
from a row's page all show the same list, page included."""

from __future__ import annotations

import re

import pytest

from tests.helpers.ui import choose, login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_contacts_page_comes_back_as_it_was_left(page, app_url):
    from playwright.sync_api import expect

    login(page, "viewer")
    page.goto("contacts")
    total = page.locator("#contacts-total")
    expect(total).to_contain_text("· page 1")
    page.locator("#contacts-next").click()
    page.locator("#contacts-next").click()
    expect(total).to_contain_text("· page 3")
    expect(page).to_have_url(re.compile(r"/contacts\?pages=[\w-]+%2C[\w-]+$"))
    first_link = page.locator("#contacts tbody tr a").first
    first_contact = first_link.get_attribute("href")

    # Into a contact and Back: the same page, the same rows; Previous still steps back.
    first_link.click()
    expect(page).to_have_url(re.compile(r"/contacts/\d+$"))
    page.go_back()
    expect(total).to_contain_text("· page 3")
    expect(page.locator("#contacts tbody tr a").first).to_have_attribute("href", first_contact)
    page.locator("#contacts-previous").click()
    expect(total).to_contain_text("· page 2")

    # Search and a filter go into the address; a reload (or the link, shared) shows them again.
    page.locator("#contact-search").fill("example")
    expect(page).to_have_url(re.compile(r"\?q=example$"))
    choose(page, "filter-email-status", "subscribed")
    expect(page).to_have_url(re.compile(r"\?q=example&email_status=subscribed$"))
    matching = total.inner_text()
    assert "matching" in matching
    page.reload()
    expect(page.locator("#contact-search")).to_have_value("example")
    expect(page.locator("#filter-email-status")).to_have_text("subscribed")
    expect(total).to_have_text(matching)

    # A hand-edited address with a status that does not exist: said, and the whole list instead.
    page.goto("contacts?email_status=bogus")
    expect(page.get_by_text(re.compile("email_status"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/contacts$"))
    expect(total).to_contain_text("· page 1")


def test_a_campaign_list_keeps_its_tab_and_search_in_the_address(page, app_url):
    from playwright.sync_api import expect

    login(page, "viewer")
    page.goto("email")
    page.locator("#tab-sent").click()
    expect(page).to_have_url(re.compile(r"/email\?tab=sent$"))
    page.locator("#campaign-search").fill("Black")
    expect(page).to_have_url(re.compile(r"/email\?tab=sent&q=Black$"))
    expect(page.locator("#email-campaigns tbody tr")).to_have_count(1)
    page.locator("#email-campaigns .campaign-link", has_text="Black Friday early access").click()
    expect(page).to_have_url(re.compile(r"/email/\d+$"))
    page.go_back()
    expect(page.locator("#tab-sent")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#campaign-search")).to_have_value("Black")
    expect(page.locator("#email-campaigns tbody tr")).to_have_count(1)
