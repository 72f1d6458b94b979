"""The campaign dialog previews as a real contact of the audience (previous, next, find), for
email (subject and HTML) and SMS (the message itself), not only as the sample Jane Doe."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import Segment
from campaign_dashboard.services.campaigns import preview_contacts
from tests.helpers.ui import choose, login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def audience(app_db, channel: str, segment: str, **step) -> preview_contacts.PreviewContact:
    with Session(app_db) as session:
        segment_id = session.exec(select(Segment.id).where(Segment.name == segment)).one()
        found = preview_contacts.pick(session=session, channel=channel, segment_id=segment_id, **step)
    assert found is not None, "the demo data should give this segment contacts"
    return found


def test_an_email_is_previewed_as_real_contacts_of_its_audience(page, app_db):
    from playwright.sync_api import expect

    first = audience(app_db, "email", "VIP customers")
    second = audience(app_db, "email", "VIP customers", after=first.contact_id)
    login(page, "marketer")
    page.goto("email")
    page.locator("#new-campaign").click()
    form = page.locator("#campaign-form")
    expect(form.locator("#preview-as")).to_have_text("Preview as the sample contact Jane Doe")
    form.locator("#campaign-subject").fill("For {{ first_name }}")
    form.locator("#campaign-html").fill("<h1>Hello {{ email }}</h1>")
    frame = page.frame_locator("#campaign-preview")
    expect(frame.locator("h1")).to_have_text("Hello jane.doe@example.com")

    form.locator("#preview-next").click()
    expect(form.locator("#preview-note")).to_have_text("Choose a segment first: the preview shows one of its contacts.")
    choose(page, "campaign-segment_id", "VIP customers")
    form.locator("#preview-next").click()
    expect(form.locator("#preview-as")).to_contain_text(f"{first.label} (1 of {first.total:,} of the audience)")
    expect(frame.locator("h1")).to_have_text(f"Hello {first.values['email']}")
    expect(form.locator("#preview-subject")).to_have_text(f"Subject: For {first.values['first_name']}")
    form.locator("#preview-next").click()
    expect(form.locator("#preview-as")).to_contain_text(f"{second.label} (2 of")
    form.locator("#preview-previous").click()
    expect(form.locator("#preview-as")).to_contain_text(first.label)

    form.locator("#preview-search").fill(second.values["email"].upper())
    form.locator("#preview-find").click()
    expect(frame.locator("h1")).to_have_text(f"Hello {second.values['email']}")
    form.locator("#preview-search").fill("nobody-by-this-name")
    form.locator("#preview-find").click()
    expect(form.locator("#preview-note")).to_have_text("No contact of this audience matches “nobody-by-this-name”.")
    form.locator("#preview-sample").click()
    expect(form.locator("#preview-as")).to_have_text("Preview as the sample contact Jane Doe")


def test_an_sms_shows_the_message_a_chosen_contact_gets(page, app_db):
    from playwright.sync_api import expect

    login(page, "marketer")
    page.goto("sms")
    page.locator("#new-campaign").click()
    form = page.locator("#campaign-form")
    form.locator("#campaign-body").fill("Hi {{ first_name }}, your code is ready.")
    expect(form.locator("#sms-preview")).to_have_text("Hi Jane, your code is ready.")
    choose(page, "campaign-segment_id", "Customers")
    first = audience(app_db, "sms", "Customers")
    form.locator("#preview-next").click()
    expect(form.locator("#preview-as")).to_contain_text(re.compile(re.escape(first.label)))
    expect(form.locator("#sms-preview")).to_have_text(f"Hi {first.values['first_name']}, your code is ready.")
