"""Sign-up with double opt-in in a real browser against the running app and its emulator: a
marketer finds the Newsletter's form on the Topics page, a visitor fills in the hosted form, the
confirmation email is read from what the emulator accepted, its link is followed and confirmed, and
staff see the contact subscribed with the confirmation in its consent history. The visitor's pages
work with JavaScript off, on a phone, with no serious axe-core violation."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import Contact, Topic
from tests.helpers.ui import login, screenshot, unique

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

BLOCKING = ("serious", "critical")
LINK = re.compile(r"https?://[^\s\"<>]+/signup/confirm/[A-Za-z0-9_-]+")


def violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:6]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def confirmation_email(emulator_port: int, to: str) -> dict:
    """The confirmation email the emulator accepted for `to` (waits until it has one)."""
    url = f"http://127.0.0.1:{emulator_port}/_emulator/messages"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = httpx.get(url, params={"to": to, "channel": "email"}).json()
        if found:
            [message] = found
            return message["data"]
        time.sleep(0.5)
    raise AssertionError(f"the emulator never received an email to {to}")


def test_a_visitor_signs_up_with_the_topics_form_and_confirms_from_the_email(
    page, browser, app_url, app_db, emulator_port
):
    from playwright.sync_api import expect

    email = unique("reader").replace(" ", ".") + "@example.net"
    with Session(app_db) as session:
        newsletter = session.exec(select(Topic).where(Topic.name == "Newsletter")).one()

    login(page, "viewer")  # every role may read the form's HTML
    page.goto("topics")
    page.locator("#topics tbody tr", has_text="Newsletter").get_by_role("button", name="Sign-up form").click()
    snippet = page.locator("#signup-form-html")
    expect(snippet).to_have_value(re.compile(r'<form method="post" action="http://127\.0\.0\.1:\d+/signup"'))
    expect(snippet).to_have_value(re.compile(rf'name="topic_ids" value="{newsletter.id}"'))
    page.wait_for_timeout(500)  # the dialog's opening animation
    screenshot(page, "signup-form-snippet")
    hosted = page.locator("#signup-form-page").get_attribute("href")
    assert hosted and hosted.endswith(f"/signup/form?topic={newsletter.id}")

    visitor = browser.new_context(base_url=app_url, viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        form = visitor.new_page()
        form.goto(hosted)
        expect(form.get_by_role("heading", name="Subscribe to Newsletter")).to_be_visible()
        form.get_by_label("Email").fill(email)
        form.get_by_label("First name").fill("Robin")
        screenshot(form, "signup-form")
        form.get_by_role("button", name="Subscribe").click()
        expect(form.get_by_role("status")).to_contain_text("Check your inbox to confirm")

        sent = confirmation_email(emulator_port, email)
        assert sent["subject"] == "Confirm your subscription" and "Hello Robin" in sent["text"]
        link = LINK.search(sent["text"])
        assert link, sent["text"]
        form.goto(link.group(0))
        expect(form.get_by_role("heading", name="Confirm your subscription")).to_be_visible()
        expect(form.get_by_text("Newsletter")).to_be_visible()
        with Session(app_db) as session:  # opening the link changed nothing
            assert session.exec(select(Contact).where(Contact.email == email)).first() is None
        screenshot(form, "signup-confirm")
        checked = browser.new_context(base_url=app_url, viewport={"width": 390, "height": 844})
        try:  # both pages (a GET changes nothing) with JavaScript on, for axe-core
            check = checked.new_page()
            for address in (hosted, link.group(0)):
                check.goto(address)
                width = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                assert check.evaluate(width) == 0, address
                found = violations(check)
                assert not found, "\n".join(found)
        finally:
            checked.close()
        form.get_by_role("button", name="Confirm my subscription").click()
        expect(form.get_by_role("heading", name="You are subscribed")).to_be_visible()
    finally:
        visitor.close()

    with Session(app_db) as session:
        contact = session.exec(select(Contact).where(Contact.email == email)).one()
    page.goto(f"contacts/{contact.id}")
    expect(page.locator("#status-email")).to_contain_text("subscribed")
    history = page.locator("#contact-consent tbody tr")
    confirmed = history.filter(has_text="double opt in").filter(has_not_text="topic:")  # the channel itself
    expect(confirmed).to_have_count(1)
    expect(confirmed).to_contain_text("confirmed")
    # A new contact receives the topic it signed up for, not the others.
    expect(history.filter(has_text="topic: Offers")).to_contain_text("opted_out")
    expect(history.filter(has_text="topic: Newsletter")).to_have_count(0)
