"""The contact page's consent history and the rules' refusal, in a real browser."""

from __future__ import annotations

import random

import pytest
from sqlmodel import Session

from campaign_dashboard.models import Contact
from campaign_dashboard.services.audience import contacts
from campaign_dashboard.services.audience.contacts import ContactCreate
from campaign_dashboard.services.events.inbound import InboundSmsIn, apply_inbound_sms
from tests.helpers.consent import MARKETER
from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser]


def test_a_contact_who_texted_stop_cannot_be_resubscribed_and_the_history_says_why(page, app_db):
    from playwright.sync_api import expect

    phone = f"+1415555{random.randint(0, 9999):04d}"
    with Session(app_db, expire_on_commit=False) as session:
        contact = contacts.create_contact(
            session=session, data=ContactCreate(phone=phone, first_name="Stopper"), source=MARKETER
        )
        sms = InboundSmsIn(message_sid=f"SM-ui-{contact.id}", from_number=phone, to_number="+15005550006", body="STOP")
        apply_inbound_sms(session=session, sms=sms)

    login(page, "marketer")
    page.goto(f"contacts/{contact.id}")
    expect(page.locator("#status-sms")).to_have_text("opted_out")
    history = page.locator("#contact-consent")
    expect(history.locator("tbody tr").first).to_contain_text("keyword")
    expect(history.locator("tbody tr").first).to_contain_text("keyword: STOP")
    expect(history.locator("tbody tr").first).to_contain_text(phone)
    expect(history.locator("tbody tr")).to_have_count(2)  # the STOP, and the opt-in when it was added

    page.locator("#resubscribe-sms").click()
    expect(page.locator("#consent-refusal")).to_contain_text("texted STOP")
    expect(page.locator("#consent-refusal")).to_contain_text("START, UNSTOP or YES")
    expect(page.locator("#status-sms")).to_have_text("opted_out")
    screenshot(page, "contact-consent")
    with Session(app_db) as session:
        assert session.get(Contact, contact.id).sms_status == "opted_out"
