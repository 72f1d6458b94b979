"""Every page on a phone (390 x 844): nothing scrolls sideways, the row actions and the campaign
dialog stay reachable, and a manager can follow a campaign live."""

from __future__ import annotations

import re

import pytest

from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}
PAGES = ["", "email", "sms", "contacts", "segments", "templates", "topics", "suppressions", "settings", "audit-log"]
PAGES += ["account"]


def sideways(page) -> int:
    """How far the page scrolls sideways (0: not at all)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("path", PAGES)
def test_no_page_scrolls_sideways_on_a_phone(page, path):
    from playwright.sync_api import expect

    page.set_viewport_size(PHONE)
    login(page, "admin")
    page.goto(path)
    expect(page.locator("h1:visible").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert sideways(page) == 0, f"/{path} scrolls {sideways(page)} px sideways"
    if path == "":  # the period, in short words on a phone
        page.locator("#period-selector-short").get_by_role("radio", name="All").click()
        expect(page.locator("#period-selector-short").get_by_role("radio", name="All")).to_be_checked()
        screenshot(page, "overview-phone")


def test_a_manager_follows_a_campaign_live_on_a_phone(page):
    from playwright.sync_api import expect

    page.set_viewport_size(PHONE)
    login(page, "viewer")
    page.goto("email")
    page.locator("#email-campaigns .campaign-link", has_text="Black Friday early access").click()
    expect(page).to_have_url(re.compile(r"/email/\d+$"))
    expect(page.get_by_text("Delivered rate").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert sideways(page) == 0
    screenshot(page, "campaign-phone")


def test_the_row_actions_and_the_campaign_dialog_fit_a_phone(page):
    from playwright.sync_api import expect

    page.set_viewport_size(PHONE)
    login(page, "marketer")
    page.goto("email")
    actions = page.locator("#email-campaigns .row-actions").first
    actions.scroll_into_view_if_needed()
    box = actions.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.locator("#new-campaign").click()
    form = page.locator("#campaign-form")
    expect(form).to_be_visible()
    # A full-screen sheet, in sections (measured once its opening zoom has finished).
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    box = form.bounding_box()
    assert box is not None and abs(box["x"]) < 1 and abs(box["width"] - PHONE["width"]) < 1, box
    expect(form.locator(".form-section")).to_have_text(["Message", "Audience", "Content", "A/B test", "When"])
    save = page.locator("#campaign-save")
    save.scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()
