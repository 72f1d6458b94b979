"""Campaign pages and the overview in a real browser, live, as a read-only viewer.

The demo's "Winter sale announcement" really sends when the app starts (worker + emulator), and
the emulator reports deliveries, opens and clicks back through signed webhooks. By the time a
test looks, the emulator may have finished, so the tests also play the provider themselves for
one message the campaign really sent: a webhook built and signed exactly as the emulator does
(its payload builder and the shared signing secret), posted to the app's webhook URL. The page
must show it within seconds, without a reload.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from svix.webhooks import Webhook

from campaign_dashboard.config import EMULATOR_WEBHOOK_SECRET
from campaign_dashboard.devtools.seed import EMAIL_PLANS, SMS_PLANS
from campaign_dashboard.emulator import payloads
from campaign_dashboard.emulator.state import Message
from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# The demo seed runs on an empty database and inserts its campaigns in plan order.
WINTER_SALE = [p.name for p in EMAIL_PLANS].index("Winter sale announcement") + 1
FLASH_SALE = [p.name for p in SMS_PLANS].index("Flash sale alert") + 1
LIVE = 5_000  # ms: "within 2 s" of a change, plus the poll period and a busy machine's slack


def emulator_messages(emulator_port: int, campaign_id: int) -> list[dict]:
    """What the emulator accepted for this campaign (waits until it accepted something)."""
    url = f"http://127.0.0.1:{emulator_port}/_emulator/messages"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = httpx.get(url, params={"campaign": str(campaign_id), "channel": "email", "limit": 1000}).json()
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"the emulator never received a message of campaign {campaign_id}")


def play_provider(app_url: str, message: dict, kind: str, **detail) -> None:
    """POST one Resend webhook about `message`, as the emulator would send it."""
    msg = Message(**{k: message[k] for k in ("id", "channel", "to", "campaign", "recipient", "data")})
    body = json.dumps(payloads.resend_event(kind, msg, detail, time.time()))
    msg_id = "msg_" + secrets.token_urlsafe(12)
    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "svix-id": msg_id,
        "svix-timestamp": str(int(now.timestamp())),
        "svix-signature": Webhook(EMULATOR_WEBHOOK_SECRET).sign(msg_id, now, body),
    }
    response = httpx.post(f"{app_url}webhooks/resend", content=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text


def card_text(page, card: str) -> str:
    return page.locator(f"#{card}").inner_text()


def test_a_viewer_watches_the_winter_sale_move_without_reloading(page, app_url, emulator_port):
    from playwright.sync_api import expect

    login(page, "viewer")
    page.goto(f"email/{WINTER_SALE}")
    expect(page.locator("#campaign-name")).to_have_text("Winter sale announcement")
    expect(page.locator("#campaign-status")).to_have_text(re.compile(r"^(sending|sent)$"))
    expect(page.locator("#chart-activity .main-svg").first).to_be_attached()
    expect(page.locator("#chart-funnel .main-svg").first).to_be_attached()
    expect(page.locator("#recipients tbody tr").first).to_be_visible()
    # a viewer sees no action buttons
    for action in ("Pause", "Resume", "Cancel", "Delete", "Edit"):
        expect(page.get_by_role("button", name=action, exact=True)).to_have_count(0)
    page.evaluate("window.__sameDocument = true")  # survives only if the page never reloads

    messages = emulator_messages(emulator_port, WINTER_SALE)
    # If the campaign is still sending, its progress moves by itself.
    if page.locator("#campaign-progress-text").count():
        progress = page.locator("#campaign-progress-text").inner_text()
        if "100.0%" not in progress:
            expect(page.locator("#campaign-progress-text")).not_to_have_text(progress, timeout=30_000)

    # A delivery: a message the provider had reported bounced is finally delivered (a soft bounce
    # retried), or one still on its way arrives. Either way "delivered" moves by one.
    pending = [m for m in messages if m["status"] not in ("delivered", "opened", "clicked", "complained")]
    delivered_before = card_text(page, "stat-delivered")
    clicks_before = card_text(page, "stat-clicks")
    link = f"https://example.com/winter/{uuid.uuid4().hex[:8]}"
    if pending:
        play_provider(app_url, pending[0], "email.delivered")
        expect(page.locator("#stat-delivered")).not_to_have_text(delivered_before, timeout=LIVE)
    play_provider(app_url, messages[0], "email.clicked", link=link)
    expect(page.locator("#stat-clicks")).not_to_have_text(clicks_before, timeout=LIVE)
    expect(page.locator("#event-feed")).to_contain_text(link, timeout=LIVE)
    expect(page.locator("#event-feed .feed-item").first).to_contain_text("clicked")
    expect(page.locator("#chart-links .main-svg").first).to_be_attached(timeout=LIVE)
    assert page.evaluate("window.__sameDocument") is True
    screenshot(page, "email-campaign-detail")


def test_the_recipients_table_filters_by_status_and_pages_forward(page):
    from playwright.sync_api import expect

    login(page, "viewer")
    page.goto(f"email/{WINTER_SALE}")
    table = page.locator("#recipients")
    expect(table.locator("tbody tr").first).to_be_visible()
    # The space goes to the address and the status; the provider's id sits small under the address.
    headers = table.locator("thead th").all_inner_texts()
    assert headers == ["Address", "Status", "Attempts", "Last error", "Sent", "Updated"], headers

    page.locator("#recipient-filter").click()
    page.get_by_role("option", name="delivered", exact=True).click()
    expect(page.locator("#recipient-filter")).to_have_text("delivered")
    expect(table.locator("tbody tr").first).to_have_attribute("data-status", "delivered")
    statuses = table.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert len(statuses) == 25 and set(statuses) == {"delivered"}

    first_address = table.locator("tbody tr").first.locator(".recipient-address").inner_text()
    expect(page.locator("#recipients-page")).to_have_text("Page 1")
    page.locator("#recipients-next").click()
    expect(page.locator("#recipients-page")).to_have_text("Page 2")
    expect(table.locator("tbody tr").first.locator(".recipient-address")).not_to_have_text(first_address)
    page_two = table.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert page_two and set(page_two) == {"delivered"}
    page.locator("#recipients-previous").click()
    expect(page.locator("#recipients-page")).to_have_text("Page 1")
    expect(table.locator("tbody tr").first.locator(".recipient-address")).to_have_text(first_address)

    page.locator("#recipient-filter").click()
    page.get_by_role("option", name="cancelled", exact=True).click()
    expect(page.get_by_text("No recipients with this status")).to_be_visible()


def test_the_overview_shows_the_numbers_the_sending_campaigns_and_a_live_feed(page, app_url, emulator_port):
    from playwright.sync_api import expect

    login(page, "viewer")
    page.goto("")
    for card in (
        "stat-sent",
        "stat-delivered",
        "stat-opens",
        "stat-clicks",
        "stat-bounces",
        "stat-unsubscribes",
        "stat-replies",
        "stat-sms-delivered",
    ):
        expect(page.locator(f"#{card} .stat-value")).to_have_text(re.compile(r"^[\d,.]+%?$|^–$"))
    expect(page.locator("#live-feed .feed-item").first).to_be_visible()

    week = page.locator("#stat-sent .stat-value").inner_text()
    page.locator("#period-selector").get_by_role("radio", name="All time").click()
    expect(page.locator("#stat-sent .stat-value")).not_to_have_text(week)  # the demo sent more, earlier
    all_time = int(page.locator("#stat-sent .stat-value").inner_text().replace(",", ""))
    assert all_time > int(week.replace(",", ""))

    page.evaluate("window.__sameDocument = true")
    link = f"https://example.com/overview/{uuid.uuid4().hex[:8]}"
    play_provider(app_url, emulator_messages(emulator_port, WINTER_SALE)[0], "email.clicked", link=link)
    clicked = page.locator("#live-feed .feed-item", has_text=link)
    expect(clicked).to_be_visible(timeout=LIVE)
    expect(clicked).to_contain_text("Winter sale announcement")
    assert page.evaluate("window.__sameDocument") is True
    screenshot(page, "overview")

    clicked.get_by_role("link", name="Winter sale announcement").click()
    expect(page).to_have_url(re.compile(rf"/email/{WINTER_SALE}/?$"))
    expect(page.locator("#campaign-name")).to_have_text("Winter sale announcement")


def test_an_sms_campaign_page_and_a_missing_campaign(page):
    from playwright.sync_api import expect

    login(page, "viewer")
    page.goto(f"sms/{FLASH_SALE}")
    expect(page.locator("#campaign-name")).to_have_text("Flash sale alert")
    expect(page.locator("#campaign-detail")).to_contain_text("Flash sale: 20% off rain jackets")
    expect(page.locator("#stat-sms-delivered .stat-value")).to_have_text(re.compile(r"^[1-9][\d,]*$"))
    expect(page.locator("#stat-opens")).to_have_count(0)  # no opens for SMS
    expect(page.locator("#chart-activity .main-svg").first).to_be_attached()
    expect(page.locator("#chart-funnel .main-svg").first).to_be_attached()
    expect(page.locator("#recipients tbody tr").first).to_contain_text("+1")
    screenshot(page, "sms-campaign-detail")

    page.goto("sms/999999")
    expect(page.locator("#campaign-not-found")).to_contain_text("Campaign not found")
    page.goto("email/not-a-number")
    expect(page.locator("#campaign-not-found")).to_contain_text("Campaign not found")
