"""Logging in and out in a real browser, and what each role may see."""

from __future__ import annotations

import re

import pytest

from tests.helpers.ui import ACCOUNTS, login, screenshot

pytestmark = [pytest.mark.browser]


def test_a_visitor_is_sent_to_the_login_page_and_back_to_where_they_were_going(page):
    from playwright.sync_api import expect

    page.goto("contacts")
    expect(page).to_have_url(re.compile(r"/login\?next=/contacts/?$"))
    screenshot(page, "login")
    email, password = ACCOUNTS["viewer"]
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()
    expect(page).to_have_url(re.compile(r"/contacts/?$"))
    expect(page.locator("#current-user")).to_have_text("Test viewer")


def test_a_wrong_password_is_refused_with_a_message_and_no_session(page):
    from playwright.sync_api import expect

    page.goto("login")
    page.locator("#login-email").fill(ACCOUNTS["marketer"][0])
    page.locator("#login-password").fill("not-the-password")
    page.locator("#login-submit").click()
    expect(page.locator("#login-error")).to_have_text("Wrong email or password.")
    page.goto("email")
    expect(page).to_have_url(re.compile(r"/login"))


def test_logging_out_ends_the_session(page):
    from playwright.sync_api import expect

    login(page, "marketer")
    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    page.goto("email")
    expect(page).to_have_url(re.compile(r"/login\?next=/email/?$"))


def test_only_an_admin_sees_the_settings_link(page):
    from playwright.sync_api import expect

    login(page, "viewer")
    expect(page.get_by_role("link", name="Email").first).to_be_visible()
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)
    page.locator("#logout").click()
    login(page, "admin")
    expect(page.get_by_role("link", name="Settings").first).to_be_visible()
