"""Human and raw engagement in Chromium, against the real app: a sent campaign's page shows the
open and click rates of people with the raw rate (machines included) beside each, from the
numbers in the app's database (the demo marks about a third of its opens as a privacy proxy's)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import EmailCampaign
from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NAME = "Black Friday early access"


def rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%"


def test_the_campaign_page_shows_peoples_rates_with_the_raw_ones_beside(page, app_db):
    from playwright.sync_api import expect

    with Session(app_db) as session:
        c = session.exec(select(EmailCampaign).where(EmailCampaign.name == NAME)).one()
    assert c.unique_human_opens < c.unique_opens  # the demo has machine opens to leave out

    login(page, "viewer")
    page.goto(f"email/{c.id}")
    opens, clicks = page.locator("#stat-opens"), page.locator("#stat-clicks")
    expect(opens).to_contain_text("Open rate (people)")
    expect(opens.locator(".stat-value")).to_have_text(rate(c.unique_human_opens, c.delivered))
    expect(opens.locator(".stat-raw")).to_have_text(f"{rate(c.unique_opens, c.delivered)} with machines")
    expect(opens.locator(".stat-detail")).to_have_text(f"{c.unique_human_opens:,} people · {c.opened:,} opens in all")
    expect(clicks.locator(".stat-value")).to_have_text(rate(c.unique_human_clicks, c.delivered))
    expect(clicks.locator(".stat-raw")).to_have_text(f"{rate(c.unique_clicks, c.delivered)} with machines")
    screenshot(page, "human-and-raw-rates")
