"""Send at a local time in the dashboard: the campaign dialog offers it (a time, and the zone
for contacts without one); the campaign page says when it sends; started, it stays sending and
its "Why is this waiting" panel counts the recipients waiting for their local send time and says
when the last zone's turn comes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session

from campaign_dashboard.models import utcnow
from tests.factories import make_contact, make_email_campaign, make_segment
from tests.helpers.ui import act, login, screenshot, status_of

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_campaign_sent_at_local_time_waits_for_each_zone_and_says_so(page, app_db):
    from playwright.sync_api import expect

    tag = f"zones-{uuid.uuid4().hex[:6]}"
    with Session(app_db) as session:
        for zone in ("Asia/Tokyo", "America/New_York"):
            make_contact(session, email=f"{tag}-{zone.split('/')[1].lower()}@example.com", tags=[tag], timezone=zone)
        segment = make_segment(session, name=f"Zones {tag}", rules=[{"field": "tag", "op": "is", "value": tag}])
        name = f"Morning {tag}"
        campaign_id = make_email_campaign(session, name=name, segment_id=segment.id).id
    # Six hours ahead of UTC's clock: tomorrow in Tokyo, later today in New York; never now.
    at = (utcnow() + timedelta(hours=6)).strftime("%H:%M")

    login(page, "marketer")
    page.goto("email")
    act(page, name, "Edit…")
    form = page.locator("#campaign-form")
    expect(form.locator("#campaign-local_send_time")).to_have_count(0)  # off until asked for
    form.locator("#campaign-local_time").click()
    form.locator("#campaign-local_send_time").fill(at)
    expect(form.locator("#campaign-local-time-note")).to_contain_text(f"Each contact gets it at the next {at}")
    form.locator("#campaign-save").click()
    expect(form).to_be_hidden()

    act(page, name, "Start sending")
    page.locator("#send-confirm-yes").click()
    expect(status_of(page, name)).to_have_text("sending")

    page.goto(f"email/{campaign_id}")
    expect(page.locator("#campaign-local-time")).to_contain_text(f"{at} in each contact's time zone (without one: ")
    panel = page.locator("#campaign-waiting")
    expect(panel).to_contain_text("2 waiting for their local send time")
    reason = panel.locator('.waiting-reason[data-kind="send_time"]')
    expect(reason).to_contain_text(f"2 recipients are waiting for {at} in their own time zone")
    expect(panel.locator("#campaign-last-send-time")).not_to_be_empty()
    expect(page.locator("#campaign-status")).to_have_text("sending")
    screenshot(page, "campaign-waiting-local-time")
