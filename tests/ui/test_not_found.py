"""An address the dashboard does not know shows the app's own 404 page, in its frame, with the
way home (not a bare "404: Page not found" from the framework)."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_an_unknown_address_shows_the_apps_404_page_with_a_link_home(marketer_page):
    from playwright.sync_api import expect

    page = marketer_page
    page.goto("no-such-page/anywhere")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("#page-not-found")).to_contain_text("There is no page at this address")
    expect(page.locator("#current-role")).to_have_text("marketer")  # the app's frame, still signed in
    expect(page).to_have_title(re.compile("Page not found"))

    page.locator("#not-found-home").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
