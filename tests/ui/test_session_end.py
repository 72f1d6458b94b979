"""Logging out in one tab ends the session for every tab of the browser: the others go to the login
page on their next live refresh or click (not stale pages with an empty name badge), and signing
in there brings the user back to where they were."""

from __future__ import annotations

import re

import pytest

from tests.helpers.ui import ACCOUNTS, login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_logging_out_in_one_tab_sends_the_other_tabs_to_the_login_page(page):
    from playwright.sync_api import expect

    login(page, "marketer")
    overview = page.context.new_page()  # a live page: it polls every second
    overview.goto("/")
    expect(overview.locator("#status-counts")).to_be_visible()
    contacts = page.context.new_page()  # a page that only reads again when the user asks
    contacts.goto("contacts")
    expect(contacts.locator("#contacts tbody tr").first).to_be_visible()

    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/login"))

    # The live tab notices on its own, and keeps where it was.
    expect(overview).to_have_url(re.compile(r"/login\?next=/$"), timeout=10_000)
    # The other goes at its next click.
    contacts.locator("#contacts-next").click()
    expect(contacts).to_have_url(re.compile(r"/login\?next=/contacts/?$"))

    # Signing in again in the live tab returns to the overview, and it stays there.
    email, password = ACCOUNTS["marketer"]
    overview.locator("#login-email").fill(email)
    overview.locator("#login-password").fill(password)
    overview.locator("#login-submit").click()
    expect(overview.locator("#current-role")).to_have_text("marketer")
    expect(overview).to_have_url(re.compile(r"/$"))
    overview.wait_for_timeout(3_000)  # a few polls: no stale "session ended" sends it away again
    expect(overview).to_have_url(re.compile(r"/$"))
    expect(overview.locator("#status-counts")).to_be_visible()
