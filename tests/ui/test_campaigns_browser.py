"""The email and SMS campaign lists and their create / edit dialogs, in Chromium, as a marketer and
a viewer use them, against the real app (worker and provider emulator running with it).

Every test makes its own campaigns (unique names) or uses demo campaigns no other test touches.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers.ui import act, choose, login, row, screenshot, status_of, unique

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SEND_TIMEOUT = 90_000  # ms: the real worker sends through the emulator at its rate limits


def test_create_an_email_campaign_fix_a_field_preview_safely_then_start_it_and_watch_it_send(page):
    from playwright.sync_api import expect

    login(page, "marketer")
    page.goto("email")
    expect(page.locator("#email-campaigns")).to_contain_text("Black Friday early access")
    screenshot(page, "email-campaigns")

    name = unique("Browser launch")
    page.locator("#new-campaign").click()
    form = page.locator("#campaign-form")
    expect(form.get_by_role("heading", name="New email campaign")).to_be_visible()
    # Saving an empty form names every field to fix at once, inside the dialog, with no toast.
    form.locator("#campaign-save").click()
    expect(form.locator("#error-name")).to_have_text("A campaign needs a name")
    expect(form.locator("#error-segment_id")).to_have_text("Choose a segment to send to")
    expect(form.locator("#error-subject")).to_have_text("An email needs a subject")
    expect(form.locator("#campaign-problems")).to_have_text("Fix the 3 fields marked above.")
    expect(page.locator("[data-sonner-toast]")).to_have_count(0)
    form.locator("#campaign-name").fill(name)
    expect(form.locator("#error-name")).to_have_count(0)
    choose(page, "campaign-segment_id", "VIP customers")
    expect(form.locator("#error-segment_id")).to_have_count(0)
    expect(form.locator("#campaign-audience")).to_contain_text(re.compile(r"\d+ recipients right now"))

    # The HTML preview renders for the sample contact, in a sandbox where no script runs.
    html = (
        '<h1>Hi {{ first_name }}, from {{ city }}</h1><p id="probe">untouched</p>'
        '<script>document.getElementById("probe").textContent = "script ran";'
        'parent.document.title = "owned";</script>'
    )
    form.locator("#campaign-html").fill(html)
    preview = form.locator("#campaign-preview")
    expect(preview).to_have_attribute("sandbox", "")
    frame = page.frame_locator("#campaign-preview")
    expect(frame.locator("h1")).to_have_text("Hi Jane, from Lisbon")
    expect(frame.locator("#probe")).to_have_text("untouched")
    assert page.title() != "owned"

    # No subject: the service's message shows next to the field and nothing is created.
    form.locator("#campaign-save").click()
    expect(form.locator("#error-subject")).to_have_text("An email needs a subject")
    expect(form).to_be_visible()
    form.locator("#campaign-subject").fill("{{ first_name }}, early access is open")
    expect(form.locator("#error-subject")).to_have_count(0)
    expect(form.locator("#preview-subject")).to_contain_text("Jane, early access is open")
    expect(form.locator("#campaign-problems")).to_have_count(0)  # the last field fixed: the summary goes
    form.evaluate("node => { for (; node; node = node.parentElement) node.scrollTop = 0; }")
    screenshot(page, "create-email-campaign")

    # A test message goes to one address through the emulator.
    form.locator("#campaign-test_to").fill("not-an-address")
    form.locator("#send-test").click()
    expect(form.locator("#error-test_to")).to_contain_text("not a valid email address")
    form.locator("#campaign-test_to").fill("me@example.com")
    form.locator("#send-test").click()
    expect(page.get_by_text("Test sent to me@example.com.")).to_be_visible()

    form.locator("#campaign-save").click()
    expect(form).to_be_hidden()
    expect(status_of(page, name)).to_have_text("draft")

    # Start it from its row, after confirming: it sends (worker + emulator) and the list follows
    # without a reload.
    act(page, name, "Start sending")
    expect(page.locator("#send-confirm")).to_contain_text(f"Send “{name}” to")
    screenshot(page, "send-confirmation")
    page.locator("#send-confirm-yes").click()
    expect(page.get_by_text(f"“{name}” started: sending is queued.")).to_be_visible()
    expect(status_of(page, name)).to_have_text(re.compile(r"^(sending|sent)$"))
    expect(status_of(page, name)).to_have_text("sent", timeout=SEND_TIMEOUT)
    expect(row(page, name).locator(".sent-count")).not_to_have_text("0")
    expect(row(page, name).get_by_role("link", name=name)).to_have_attribute("href", re.compile(r"/email/\d+$"))


def test_edit_a_draft_with_the_same_form_and_schedule_it_then_cancel_after_confirming(page):
    from playwright.sync_api import expect

    login(page, "marketer")
    page.goto("email")
    name = unique("Browser draft")
    page.locator("#new-campaign").click()
    form = page.locator("#campaign-form")
    form.locator("#campaign-name").fill(name)
    form.locator("#campaign-subject").fill("Hello")
    choose(page, "campaign-segment_id", "Customers")
    form.get_by_role("radio", name="Template").click()
    choose(page, "campaign-template_id", "Promotion")
    expect(page.frame_locator("#campaign-preview").locator("h1")).to_have_text("Big savings")
    form.locator("#campaign-save").click()
    expect(status_of(page, name)).to_have_text("draft")

    # Edit: the same form, filled in; schedule it in the past first (refused), then next year.
    act(page, name, "Edit…")
    expect(form.get_by_role("heading", name="Edit email campaign")).to_be_visible()
    expect(form.locator("#campaign-name")).to_have_value(name)
    renamed = name + " (edited)"
    form.locator("#campaign-name").fill(renamed)
    form.get_by_role("radio", name="Schedule").click()
    form.locator("#campaign-scheduled_at").fill("2020-01-01")
    form.locator("#campaign-save").click()
    expect(form.locator("#error-scheduled_at")).to_have_text("Must be in the future")
    form.locator("#campaign-scheduled_at").fill("2099-06-01")
    form.locator("#campaign-save").click()
    expect(page.locator("#send-confirm")).to_contain_text(f"Schedule “{renamed}” for Jun 1, 2099, 09:00")
    page.locator("#send-confirm-yes").click()
    expect(form).to_be_hidden()
    expect(status_of(page, renamed)).to_have_text("scheduled")
    expect(row(page, renamed)).to_contain_text("Sends Jun 1, 2099")

    # Cancel asks first: keeping it changes nothing, confirming cancels.
    act(page, renamed, "Cancel campaign…")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("Messages not sent yet will never be sent")
    dialog.locator("#confirm-no").click()
    expect(dialog).to_be_hidden()
    expect(status_of(page, renamed)).to_have_text("scheduled")
    act(page, renamed, "Cancel campaign…")
    page.locator("#confirm-yes").click()
    expect(status_of(page, renamed)).to_have_text("cancelled")

    # A cancelled campaign that sent nothing can be deleted, again after confirming.
    act(page, renamed, "Delete…")
    page.locator("#confirm-yes").click()
    expect(page.get_by_text(f"“{renamed}” deleted.")).to_be_visible()
    expect(row(page, renamed)).to_have_count(0)


def test_pause_and_resume_a_slow_sms_campaign(page):
    """The demo's paused SMS campaign sends at one text a second, so it stays sending long enough."""
    from playwright.sync_api import expect

    login(page, "marketer")
    page.goto("sms")
    name = "Store opening: Austin"
    expect(status_of(page, name)).to_have_text("paused")
    expect(row(page, name).locator(".campaign-progress")).to_contain_text("%")

    act(page, name, "Resume")
    expect(status_of(page, name)).to_have_text("sending")
    act(page, name, "Pause")
    expect(status_of(page, name)).to_have_text("paused")
    # The menu offers only what the lifecycle allows now.
    row(page, name).get_by_role("button", name="Actions").click()
    menu = page.get_by_role("menu")
    expect(menu.get_by_role("menuitem")).to_have_text(["Resume", "Duplicate", "Cancel campaign…"])
    page.keyboard.press("Escape")


def test_a_viewer_sees_the_lists_but_no_way_to_change_them(page):
    from playwright.sync_api import expect

    login(page, "viewer")
    for channel, known in (("email", "November newsletter"), ("sms", "Black Friday SMS blast")):
        page.goto(channel)
        expect(row(page, known)).to_be_visible()
        expect(page.locator("#new-campaign")).to_have_count(0)
        expect(page.locator(".row-actions")).to_have_count(0)


def test_status_tabs_search_sort_and_paging(page):
    from playwright.sync_api import expect

    login(page, "marketer")
    page.goto("sms")
    table = page.locator("#sms-campaigns")
    expect(table).to_contain_text("Appointment reminders: October")
    screenshot(page, "sms-campaigns")

    page.locator("#tab-sent").click()
    expect(page.locator("#tab-sent")).to_have_attribute("data-state", "active")
    expect(table.locator("tbody tr:not([data-status='sent'])")).to_have_count(0)
    sent = int(page.locator("#tab-sent .tab-count").first.inner_text())
    assert sent >= 2  # the demo's sent SMS campaigns
    expect(table.locator("tbody tr")).to_have_count(sent)

    page.locator("#tab-all").click()
    page.locator("#campaign-search").fill("black friday")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Black Friday SMS blast")
    page.locator("#campaign-search").fill("no such campaign at all")
    expect(page.locator("#campaigns-empty")).to_contain_text("No campaigns match")
    page.locator("#campaign-search").fill("")

    # Oldest first starts with the demo's oldest SMS campaign.
    choose(page, "campaign-order", "Oldest first")
    expect(table.locator("tbody tr").first).to_contain_text("Appointment reminders: October")
    expect(page.locator("#page-next")).to_have_count(0)  # one page: no pager (paging: test_campaign_states)


def test_create_an_sms_campaign_and_watch_the_segment_counter(page):
    from playwright.sync_api import expect

    login(page, "marketer")
    page.goto("sms")
    page.locator("#new-campaign").click()
    form = page.locator("#campaign-form")
    expect(form.get_by_role("heading", name="New SMS campaign")).to_be_visible()
    expect(form.locator("#quiet-hours")).to_contain_text("Quiet hours")
    name = unique("Browser SMS")
    form.locator("#campaign-name").fill(name)
    choose(page, "campaign-segment_id", "Customers")

    body = form.locator("#campaign-body")
    body.fill("A" * 160)
    expect(form.locator("#sms-segments")).to_have_text("1 segment(s)")
    expect(form.locator("#sms-encoding")).to_have_text("GSM-7")
    expect(form.locator("#sms-cost")).to_contain_text("1 segment(s) ×")
    body.fill("A" * 161)
    expect(form.locator("#sms-segments")).to_have_text("2 segment(s)")
    expect(form.locator("#sms-characters")).to_have_text("161 characters")
    body.fill("Sale today 🎉 reply STOP to opt out")
    expect(form.locator("#sms-encoding")).to_have_text("UCS-2 (Unicode)")
    expect(form.locator("#sms-non-gsm")).to_contain_text("🎉")
    expect(form.locator("#sms-segments")).to_have_text("1 segment(s)")
    body.fill("Hi {{ first_name }}! " + "Big sale 🎉 " * 6)
    expect(form.locator("#sms-segments")).to_have_text("2 segment(s)")
    screenshot(page, "create-sms-campaign")

    form.locator("#campaign-from_number").fill("12")
    form.locator("#campaign-save").click()
    expect(form.locator("#error-from_number")).to_contain_text("is not an E.164 number")
    form.locator("#campaign-from_number").fill("")
    form.locator("#campaign-save").click()
    expect(form).to_be_hidden()
    expect(status_of(page, name)).to_have_text("draft")

    # Archived campaigns leave the other tabs and wait under their own.
    act(page, name, "Archive")
    expect(page.get_by_text(f"“{name}” archived.")).to_be_visible()
    expect(row(page, name)).to_have_count(0)
    page.locator("#tab-archived").click()
    expect(status_of(page, name)).to_have_text("draft")


@pytest.fixture
def paris_page(browser, app_url):
    """A browser whose clock is in Paris: the schedule's zone must default to it."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, base_url=app_url, timezone_id="Europe/Paris", locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def test_schedule_from_the_row_in_the_browsers_time_zone_then_unschedule(paris_page):
    from playwright.sync_api import expect

    page = paris_page
    login(page, "marketer")
    page.goto("sms")
    page.locator("#new-campaign").click()
    form = page.locator("#campaign-form")
    name = unique("Browser schedule")
    form.locator("#campaign-name").fill(name)
    choose(page, "campaign-segment_id", "VIP customers")
    form.locator("#campaign-body").fill("Northwind VIP: doors open early. Reply STOP to opt out.")
    form.locator("#campaign-save").click()
    expect(status_of(page, name)).to_have_text("draft")

    act(page, name, "Schedule…")
    expect(form.get_by_role("heading", name="Edit SMS campaign")).to_be_visible()
    expect(form.locator("#campaign-timezone")).to_have_text("Europe/Paris")
    form.locator("#campaign-scheduled_at").fill("2099-01-15")
    form.locator("#campaign-time").fill("09:30")
    form.locator("#campaign-save").click()
    expect(page.locator("#send-confirm")).to_contain_text(f"Schedule “{name}” for Jan 15, 2099, 09:30 (Europe/Paris)")
    page.locator("#send-confirm-yes").click()
    expect(status_of(page, name)).to_have_text("scheduled")
    expect(row(page, name)).to_contain_text("Sends Jan 15, 2099, 09:30 AM")  # shown in the browser's zone

    # Reopened, the stored time comes back in the same zone.
    act(page, name, "Edit…")
    expect(form.locator("#campaign-time")).to_have_value("09:30")
    expect(form.locator("#campaign-scheduled_at")).to_have_value("2099-01-15")
    form.locator("#campaign-close").click()

    act(page, name, "Unschedule")
    expect(status_of(page, name)).to_have_text("draft")
    expect(row(page, name)).to_contain_text("Created")
