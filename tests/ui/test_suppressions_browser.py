"""The suppressions page in a real browser: a marketer adds one (a bad address is named at its
field), finds it and removes it with a reason; a number that texted STOP is refused with the
reason shown; a viewer reads the list but gets no add or remove."""

from __future__ import annotations

import random
import uuid

import pytest
from sqlmodel import Session, col, select

from campaign_dashboard.models import ConsentEntry, Suppression
from campaign_dashboard.services.audience import contacts
from campaign_dashboard.services.audience.contacts import ContactCreate
from campaign_dashboard.services.events.inbound import InboundSmsIn, apply_inbound_sms
from tests.helpers.consent import MARKETER
from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser]


def test_a_marketer_adds_finds_and_removes_a_suppression_with_a_reason(page, app_db):
    from playwright.sync_api import expect

    address = f"walk-{uuid.uuid4().hex[:8]}@example.com"
    login(page, "marketer")
    page.goto("suppressions")
    expect(page.locator("#suppressions tbody tr").first).to_be_visible()

    page.locator("#add-suppression").click()
    page.locator("#add-suppression-address").fill("not an address")
    page.locator("#add-suppression-reason").fill("asked us by phone")
    page.locator("#add-suppression-submit").click()
    expect(page.locator("#add-suppression-address-error")).to_contain_text("not a valid email address")
    page.locator("#add-suppression-address").fill(address.upper())
    page.locator("#add-suppression-submit").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.locator("#suppression-search").fill(address[:13])
    rows = page.locator("#suppressions tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(address)
    expect(rows.first).to_contain_text("asked us by phone")
    screenshot(page, "suppressions")

    rows.first.locator(".remove-suppression").click()
    page.locator("#remove-suppression-submit").click()
    expect(page.locator("#remove-suppression-reason-error")).to_contain_text("reason is required")
    page.locator("#remove-suppression-reason").fill("added to the wrong list")
    page.locator("#remove-suppression-submit").click()
    expect(page.locator("#suppressions-none-match")).to_be_visible()

    with Session(app_db) as session:
        assert session.exec(select(Suppression).where(col(Suppression.address) == address)).first() is None
        entries = session.exec(
            select(ConsentEntry).where(col(ConsentEntry.address) == address).order_by(col(ConsentEntry.id))
        ).all()
    assert [(e.event, e.source, (e.evidence or {}).get("reason")) for e in entries] == [
        ("suppressed", "dashboard", "asked us by phone"),
        ("resubscribed", "dashboard", "added to the wrong list"),
    ]


def test_the_removal_of_a_number_that_texted_stop_is_refused_with_the_reason(page, app_db):
    from playwright.sync_api import expect

    phone = f"+1415555{random.randint(0, 9999):04d}"
    with Session(app_db, expire_on_commit=False) as session:
        contact = contacts.create_contact(session=session, data=ContactCreate(phone=phone), source=MARKETER)
        sms = InboundSmsIn(
            message_sid=f"SM-supp-{contact.id}", from_number=phone, to_number="+15005550006", body="STOP"
        )
        apply_inbound_sms(session=session, sms=sms)

    login(page, "marketer")
    page.goto("suppressions")
    page.locator("#suppression-search").fill(phone)
    rows = page.locator("#suppressions tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator(".remove-suppression").click()
    page.locator("#remove-suppression-reason").fill("they want texts again")
    page.locator("#remove-suppression-submit").click()
    refusal = page.locator("#remove-suppression-refusal")
    expect(refusal).to_contain_text("texted STOP")
    expect(refusal).to_contain_text("START, UNSTOP or YES")
    page.locator("#remove-suppression-cancel").click()
    expect(rows).to_have_count(1)
    with Session(app_db) as session:
        assert session.exec(select(Suppression).where(col(Suppression.address) == phone)).first() is not None


def test_a_viewer_reads_the_list_but_cannot_add_or_remove(page):
    from playwright.sync_api import expect

    login(page, "viewer")
    page.goto("suppressions")
    expect(page.locator("#suppressions tbody tr").first).to_be_visible()
    expect(page.locator("#export-suppressions")).to_be_visible()
    expect(page.locator("#add-suppression")).to_have_count(0)
    expect(page.locator(".remove-suppression")).to_have_count(0)
