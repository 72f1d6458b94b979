"""GDPR on the contact page, in a real browser: an admin downloads the contact's data, then erases
it after typing its address again; a marketer sees neither button."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from campaign_dashboard.models import AuditEntry, Contact, Suppression
from campaign_dashboard.services.audience import contacts
from campaign_dashboard.services.audience.contacts import ContactCreate
from tests.helpers.consent import MARKETER
from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser]


def test_an_admin_exports_then_erases_a_contact_and_a_marketer_cannot(browser, page, app_url, app_db):
    from playwright.sync_api import expect

    email = f"forget-me-{random.randint(0, 10**9)}@example.com"
    with Session(app_db, expire_on_commit=False) as session:
        contact = contacts.create_contact(
            session=session, data=ContactCreate(email=email, first_name="Forget", last_name="Me"), source=MARKETER
        )

    other = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=app_url)
    marketer = other.new_page()
    login(marketer, "marketer")
    marketer.goto(f"contacts/{contact.id}")
    expect(marketer.locator("#contact-name")).to_have_text("Forget Me")
    expect(marketer.locator("#export-data")).to_have_count(0)
    expect(marketer.locator("#erase-contact-open")).to_have_count(0)
    other.close()

    login(page, "admin")
    page.goto(f"contacts/{contact.id}")
    expect(page.locator("#contact-name")).to_have_text("Forget Me")
    with page.expect_download() as info:
        page.locator("#export-data").click()
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert data["contact"]["email"] == email
    assert [e["event"] for e in data["consent"]] == ["opted_in"]

    page.locator("#erase-contact-open").click()
    page.locator("#erase-contact-confirm").fill("someone-else@example.com")
    page.locator("#erase-contact-submit").click()
    expect(page.locator("#erase-contact-confirm-error")).to_contain_text("Type the contact's email address")
    screenshot(page, "contact-erase")
    page.locator("#erase-contact-confirm").fill(email.upper())
    page.locator("#erase-contact-submit").click()
    expect(page).to_have_url(re.compile(r"/contacts/?$"))

    with Session(app_db) as session:
        assert session.get(Contact, contact.id) is None
        assert session.exec(select(Suppression).where(col(Suppression.reason) == "erased")).first() is not None
        logged = session.exec(
            select(AuditEntry.action).where(col(AuditEntry.object_id) == str(contact.id)).order_by(col(AuditEntry.id))
        ).all()
        assert list(logged) == ["contact.export", "contact.erase"]
