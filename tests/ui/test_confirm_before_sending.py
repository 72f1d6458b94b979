"""Sending asks first, in Chromium against the real app: the confirmation names the campaign, its
recipients after suppressions, the channel and sender (and for SMS the segments and cost); cancel
sends nothing, confirming starts; a template that cannot be rendered for some contacts shows its
problems and offers no way to start."""

from __future__ import annotations

import re

import pytest

from tests.helpers.ui import act, choose, login, row, status_of, unique

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def new_email_draft(page, name: str, html: str) -> str:
    """Create a draft for "VIP customers" through the dialog; returns its audience as shown there."""
    from playwright.sync_api import expect

    page.locator("#new-campaign").click()
    form = page.locator("#campaign-form")
    form.locator("#campaign-name").fill(name)
    form.locator("#campaign-subject").fill("Early access")
    choose(page, "campaign-segment_id", "VIP customers")
    audience = form.locator("#campaign-audience")
    expect(audience).to_contain_text(re.compile(r"[\d,]+ recipients right now"))
    count = re.match(r"[\d,]+", audience.inner_text()).group(0)
    form.locator("#campaign-html").fill(html)
    form.locator("#campaign-save").click()
    expect(form).to_be_hidden()
    expect(status_of(page, name)).to_have_text("draft")
    return count


def test_start_from_the_row_asks_first_and_cancel_sends_nothing(page):
    from playwright.sync_api import expect

    login(page, "marketer")
    page.goto("email")
    name = unique("Confirmed launch")
    audience = new_email_draft(page, name, "<p>Hi {{ first_name }} from {{ city }}</p>")

    act(page, name, "Start sending")
    dialog = page.locator("#send-confirm")
    expect(dialog).to_contain_text(f"Send “{name}” to {audience} recipients now?")
    expect(dialog).to_contain_text("Channel: Email")
    expect(dialog).to_contain_text("From: ")
    expect(dialog).to_contain_text("no problems found")
    dialog.locator("#send-confirm-no").click()
    expect(dialog).to_be_hidden()
    expect(status_of(page, name)).to_have_text("draft")
    expect(row(page, name).locator(".sent-count")).to_have_text("0")

    act(page, name, "Start sending")
    page.locator("#send-confirm-yes").click()
    expect(page.get_by_text(f"“{name}” started: sending is queued.")).to_be_visible()
    expect(status_of(page, name)).to_have_text(re.compile(r"^(sending|sent)$"))


def test_a_broken_template_shows_its_problems_and_cannot_start(page):
    from playwright.sync_api import expect

    login(page, "marketer")
    page.goto("email")
    name = unique("Broken launch")
    new_email_draft(page, name, "<p>Your code: {{ coupon_code }}</p>")

    # From the row: the problems, with how many contacts and examples; no start button.
    act(page, name, "Start sending")
    dialog = page.locator("#send-confirm")
    expect(dialog).to_contain_text(f"“{name}” cannot be sent yet")
    problems = dialog.locator("#send-confirm-problems")
    expect(problems).to_contain_text(
        re.compile(r"html: line 1: 'coupon_code' is not set for this contact.*: [\d,]+ contacts \(e\.g\. ")
    )
    expect(dialog.locator("#send-confirm-yes")).to_have_count(0)
    dialog.locator("#send-confirm-no").click()
    expect(dialog).to_be_hidden()
    expect(status_of(page, name)).to_have_text("draft")

    # From the dialog's "Save and send now": the same, and the campaign stays a draft.
    act(page, name, "Edit…")
    form = page.locator("#campaign-form")
    form.get_by_role("radio", name="Send now").click()
    form.locator("#campaign-save").click()
    expect(dialog).to_contain_text("coupon_code")
    expect(dialog.locator("#send-confirm-yes")).to_have_count(0)
    dialog.locator("#send-confirm-no").click()
    expect(form).to_be_visible()
    form.locator("#campaign-close").click()
    expect(status_of(page, name)).to_have_text("draft")


def test_sending_an_sms_now_from_the_dialog_shows_segments_and_cost_then_sends(page):
    from playwright.sync_api import expect

    login(page, "marketer")
    page.goto("sms")
    page.locator("#new-campaign").click()
    form = page.locator("#campaign-form")
    name = unique("Confirmed SMS")
    form.locator("#campaign-name").fill(name)
    choose(page, "campaign-segment_id", "VIP customers")
    expect(form.locator("#campaign-audience")).to_contain_text("recipients right now")
    form.locator("#campaign-body").fill("Hi {{ first_name }}! " + "A" * 160 + " Reply STOP to opt out.")
    form.get_by_role("radio", name="Send now").click()
    form.locator("#campaign-save").click()
    dialog = page.locator("#send-confirm")
    expect(dialog).to_contain_text(re.compile(rf"Send “{name}” to [\d,]+ recipients now\?"))
    expect(dialog).to_contain_text("Channel: SMS")
    expect(dialog).to_contain_text("2 segment(s) per message; estimated cost ≈ ")
    dialog.locator("#send-confirm-no").click()
    expect(dialog).to_be_hidden()
    expect(form).to_be_visible()  # nothing saved yet: still editing
    expect(row(page, name)).to_have_count(0)

    form.locator("#campaign-save").click()
    page.locator("#send-confirm-yes").click()
    expect(form).to_be_hidden()
    expect(page.get_by_text(f"“{name}” is sending.")).to_be_visible()
    expect(status_of(page, name)).to_have_text(re.compile(r"^(sending|sent)$"))
