"""A marketer acts on a campaign from its own page, in Chromium, against the real app (worker and
emulator running): pause (after confirming), resume, cancel with a reason, and the page says who
cancelled and why; the activity chart of a campaign a minute old has no sub-minute ticks.

The campaign is the test's own: a copy of the demo's slow SMS campaign (one text a second),
started through `campaigns.commands` on the app's database, so it is still sending when the test
looks and no other test's campaign is touched. No queue is told: the worker's scheduler tick
picks up started campaigns by itself.
"""

from __future__ import annotations

import re
import uuid

import pytest
from sqlmodel import Session, create_engine, select

from campaign_dashboard.models import SmsCampaign, id_of
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import commands
from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SLOW_SMS = "Store opening: Austin"
SEND_TIMEOUT = 60_000  # ms: the worker's tick picks the campaign up and sends its first texts
SUB_MINUTE = re.compile(r"\d\d:\d\d:\d\d|\.\d")  # "04:38:59.9995"


class NoQueue:
    def after_action(self, channel, campaign, action) -> None:
        pass

    def scheduled_start(self, channel, campaign) -> None:
        pass


@pytest.fixture
def sending_sms(app_url, app_data_dir) -> int:
    """A new SMS campaign, started: the id of a campaign that stays sending for minutes."""
    engine = create_engine(f"sqlite:///{app_data_dir}/app.db")
    try:
        with Session(engine) as session:
            source = session.exec(select(SmsCampaign).where(SmsCampaign.name == SLOW_SMS)).one()
            copy = campaigns.duplicate(session=session, channel="sms", campaign_id=id_of(source))
            copy.name = f"Page actions {uuid.uuid4().hex[:6]}"  # the list tests look for the demo's name
            session.commit()
            commands.apply_action(
                session=session, channel="sms", campaign_id=id_of(copy), action="start", queue=NoQueue()
            )
            return id_of(copy)
    finally:
        engine.dispose()


def test_pause_resume_and_cancel_with_a_reason_from_the_campaign_page(page, sending_sms):
    from playwright.sync_api import expect

    login(page, "marketer")
    page.goto(f"sms/{sending_sms}")
    status = page.locator("#campaign-status")
    expect(status).to_have_text("sending")
    expect(page.locator("#chart-activity .main-svg").first).to_be_attached(timeout=SEND_TIMEOUT)

    # Pause asks first; keeping it changes nothing.
    page.locator("#action-pause").click()
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(status).to_have_text("sending")
    page.locator("#action-pause").click()
    page.locator("#confirm-pause").click()
    expect(status).to_have_text("paused")
    expect(page.locator("#action-resume")).to_be_visible()
    expect(page.locator("#action-pause")).to_have_count(0)
    expect(page.locator("#chart-activity")).to_contain_text("Paused")

    page.locator("#action-resume").click()
    expect(status).to_have_text("sending")
    expect(page.locator("#chart-activity")).to_contain_text("Resumed")

    page.locator("#action-cancel").click()
    page.locator("#cancel-reason").fill("Wrong store: Austin opens next month")
    page.locator("#confirm-cancel").click()
    expect(status).to_have_text("cancelled")
    expect(page.locator("#campaign-status-note")).to_have_text(
        "Cancelled by marketer@test.example: Wrong store: Austin opens next month"
    )
    expect(page.locator("#action-cancel")).to_have_count(0)
    expect(page.locator("#action-resume")).to_have_count(0)
    screenshot(page, "campaign-page-cancelled")

    # The campaign is a minute or two old: its axis is in minutes, never milliseconds.
    ticks = page.locator("#chart-activity .xtick text").all_text_contents()
    assert ticks, "the activity chart has an x axis"
    assert not [t for t in ticks if SUB_MINUTE.search(t)], ticks

    # Duplicate makes a new draft and shows it.
    page.locator("#action-duplicate").click()
    expect(page).to_have_url(re.compile(r"/sms/\d+$"))
    expect(page.locator("#campaign-name")).to_have_text(re.compile(r"^Copy of Page actions [0-9a-f]{6}$"))
    expect(status).to_have_text("draft")
    assert not page.url.endswith(f"/sms/{sending_sms}")

    # The draft starts from its own page, after the same confirmation as from the list.
    copy_name = page.locator("#campaign-name").inner_text()
    page.locator("#action-start").click()
    confirm = page.locator("#send-confirm")
    expect(confirm).to_contain_text(f"Send “{copy_name}” to")
    expect(confirm).to_contain_text("no problems found")
    page.locator("#send-confirm-no").click()
    expect(status).to_have_text("draft")
    page.locator("#action-start").click()
    page.locator("#send-confirm-yes").click()
    expect(status).to_have_text("sending")
    expect(page.locator("#action-start")).to_have_count(0)
    page.locator("#action-cancel").click()  # stop it: the demo's audience needs no second store opening
    page.locator("#confirm-cancel").click()
    expect(status).to_have_text("cancelled")
