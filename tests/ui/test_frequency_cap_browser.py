"""The frequency cap in the dashboard (the browser app caps at 10 messages a day): the campaign
dialog offers to ignore it, saying the cap; starting a campaign whose audience has a contact at the
cap says how many it skips; the campaign page shows the skipped recipient with the reason."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from campaign_dashboard.models import EmailCampaignRecipient, utcnow
from tests.factories import make_contact, make_email_campaign, make_segment
from tests.helpers.ui import act, login, status_of

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SEND_TIMEOUT = 90_000  # ms: the app's worker sends through the emulator
CAP, REASON = 10, "Skipped: frequency cap: 10 messages in the last day."


def test_the_confirmation_says_how_many_the_cap_skips_and_the_page_shows_why(page, app_db):
    from playwright.sync_api import expect

    tag = f"cap-{uuid.uuid4().hex[:6]}"
    with Session(app_db) as session:
        tired = make_contact(session, email=f"{tag}-tired@example.com", tags=[tag])
        make_contact(session, email=f"{tag}-fresh@example.com", tags=[tag])
        segment = make_segment(session, name=f"Capped {tag}", rules=[{"field": "tag", "op": "is", "value": tag}])
        earlier = make_email_campaign(session, name=f"Earlier {tag}", segment_id=segment.id, status="sent")
        for i in range(CAP):  # ten emails today already
            row = EmailCampaignRecipient(
                campaign_id=earlier.id, contact_id=tired.id, address=f"{i}-{tired.email}", status="delivered"
            )
            row.sent_at = utcnow()
            session.add(row)
        session.commit()
        name = f"Weekly {tag}"
        campaign_id = make_email_campaign(session, name=name, segment_id=segment.id).id

    login(page, "marketer")
    page.goto("email")
    page.locator("#new-campaign").click()
    form = page.locator("#campaign-form")
    expect(form.locator("#campaign-ignore_frequency_cap")).to_be_visible()
    expect(form.get_by_text("Ignore the frequency cap (urgent notice)")).to_be_visible()
    expect(form.locator("#campaign-frequency-cap")).to_contain_text(
        "at most 10 messages per contact every day, email and SMS together"
    )
    page.keyboard.press("Escape")

    act(page, name, "Start sending")
    confirm = page.locator("#send-confirm")
    expect(confirm).to_contain_text(f"Send “{name}” to 1 recipient now?")
    expect(confirm).to_contain_text("1 contact skipped by the frequency cap")
    page.locator("#send-confirm-yes").click()
    expect(status_of(page, name)).to_have_text("sent", timeout=SEND_TIMEOUT)

    page.goto(f"email/{campaign_id}")
    expect(page.locator("#campaign-frequency-capped")).to_have_text("1 contact skipped by the frequency cap")
    skipped = page.locator("#recipients tbody tr", has_text=f"{tag}-tired@example.com")
    expect(skipped).to_contain_text(REASON)
    expect(skipped).to_have_attribute("data-status", "cancelled")
