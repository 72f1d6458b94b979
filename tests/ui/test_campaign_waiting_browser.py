"""A campaign that is not moving says why, in Chromium against the real app: an SMS campaign whose
recipients wait for their quiet hours shows the count, the next window and the ETA in the
viewer's own time zone (the browser runs in New York), its recipients say "Waiting for quiet hours
to end" instead of the raw note, and the overview says "quiet hours" next to its progress. With
the app's worker stopped (SIGSTOP, then SIGCONT: the same process carries on), the page says no
worker is running and the overview says "no worker".

The campaign is the test's own, written to the app's database as the send path leaves deferred
rows (`throttle.defer`); the worker leaves rows waiting for their window alone.
"""

from __future__ import annotations

import os
import re
import signal
import uuid
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, create_engine

from campaign_dashboard.models import SmsCampaignRecipient, id_of, utcnow
from campaign_dashboard.services.sending.throttle import QUIET_HOURS_NOTE
from tests.factories import make_sms_campaign
from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ZONE = "America/New_York"
NO_WORKER_TIMEOUT = 90_000  # ms: the heartbeat timeout (30 s), then the page's refresh slot (15 s)


def local(when) -> re.Pattern[str]:
    """`when` as the browser's en-US `toLocaleString` shows it in ZONE ("Nov 30, 2026, 03:00 AM";
    Chromium may put a narrow no-break space before AM/PM)."""
    at = when.astimezone(ZoneInfo(ZONE))
    return re.compile(re.escape(f"{at:%b} {at.day}, {at.year}, {at:%I:%M}") + r"\s" + at.strftime("%p"))


@pytest.fixture
def waiting_sms(app_url, app_data_dir: Path):
    """A sending SMS campaign whose 3 recipients wait for a window 5 hours from now."""
    window = (utcnow() + timedelta(hours=5)).replace(second=0, microsecond=0)
    engine = create_engine(f"sqlite:///{app_data_dir}/app.db")
    try:
        with Session(engine) as session:
            campaign = make_sms_campaign(
                session, name=f"Night owls {uuid.uuid4().hex[:6]}", status="sending", recipients=3, started_at=utcnow()
            )
            for i in range(3):
                session.add(
                    SmsCampaignRecipient(
                        campaign_id=id_of(campaign),
                        address=f"+121255501{i:02d}",
                        not_before=window,
                        attempts=1,
                        last_error=f"{QUIET_HOURS_NOTE}{window.isoformat()}",
                    )
                )
            session.commit()
            return id_of(campaign), campaign.name, window
    finally:
        engine.dispose()


def app_workers(app_data_dir: Path) -> list[int]:
    """The worker processes of the app this session started (by its DATA_DIR)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"worker" in cmdline and f"DATA_DIR={app_data_dir}".encode() in environ:
            found.append(int(entry.name))
    return found


def test_a_campaign_waiting_for_quiet_hours_then_for_a_worker_says_why(browser, app_url, app_data_dir, waiting_sms):
    from playwright.sync_api import expect

    campaign_id, name, window = waiting_sms
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=app_url, timezone_id=ZONE, locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        login(page, "viewer")
        page.goto(f"sms/{campaign_id}")
        panel = page.locator("#campaign-waiting")
        expect(panel).to_contain_text("Why is this waiting")
        quiet = panel.locator(".waiting-reason[data-kind='quiet_hours']")
        expect(quiet).to_contain_text("quiet hours")
        expect(quiet).to_contain_text("3 recipients are waiting for their quiet hours to end")
        expect(quiet).to_contain_text(re.compile(r"Next window opens " + local(window).pattern))
        expect(panel).to_contain_text("3 waiting for quiet hours to end")
        expect(page.locator("#campaign-eta")).to_have_text(local(window + timedelta(seconds=3)))
        expect(panel.locator(".waiting-reason[data-kind='no_worker']")).to_have_count(0)

        table = page.locator("#recipients")
        expect(table.locator(".quiet-hours-wait")).to_have_count(3)
        expect(table.locator(".quiet-hours-wait").first).to_have_text(
            re.compile(r"Waiting for quiet hours to end \(until " + local(window).pattern + r"\)")
        )
        expect(table).not_to_contain_text("quiet hours: waits until")
        screenshot(page, "campaign-waiting-quiet-hours")

        page.goto("")
        sending = page.locator(".sending-campaign", has_text=name)
        expect(sending.locator(".waiting-word")).to_have_text("quiet hours")

        stopped = app_workers(app_data_dir)
        assert stopped, "the app runs a worker"
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        try:
            expect(sending.locator(".waiting-word")).to_have_text("no worker", timeout=NO_WORKER_TIMEOUT)
            page.goto(f"sms/{campaign_id}")
            no_worker = panel.locator(".waiting-reason[data-kind='no_worker']")
            expect(no_worker).to_contain_text("No worker is running, so nothing is sent.")
            expect(no_worker).to_contain_text(re.compile(r"Last worker seen \w{3} \d{1,2}, \d{4}"))
            expect(quiet).to_contain_text(
                "3 recipients are waiting for their quiet hours to end"
            )  # still said, after it
            expect(page.locator("#campaign-eta")).to_have_count(0)  # nothing moves: no time promised
        finally:
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)
        expect(no_worker).to_have_count(0, timeout=NO_WORKER_TIMEOUT)
    finally:
        context.close()
