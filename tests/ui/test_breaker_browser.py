"""A campaign the reputation breaker paused, in Chromium, against the real app: the list and the
campaign page say why, with the numbers; a viewer cannot resume it; a marketer's resume asks
first (in the list and on the page), then sends on, and the audit log names who paused it (the
system) and who resumed it.

The campaign is the demo's "Win-back: lapsed customers", which no other test touches."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import AuditEntry, EmailCampaign
from tests.helpers.ui import act, login, row, screenshot, status_of

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NAME = "Win-back: lapsed customers"
REASON = "Paused by the reputation breaker: 26 hard bounces with "


def test_the_breaker_pause_is_explained_in_the_list_and_on_the_page_and_a_person_resumes(page, app_db):
    from playwright.sync_api import expect

    with Session(app_db) as session:
        campaign_id = session.exec(select(EmailCampaign.id).where(EmailCampaign.name == NAME)).one()

    login(page, "viewer")
    page.goto("email?tab=paused")
    expect(status_of(page, NAME)).to_have_text("paused")
    expect(row(page, NAME).locator(".breaker-badge")).to_have_text("reputation breaker")
    expect(row(page, NAME)).to_contain_text(REASON)
    page.goto(f"email/{campaign_id}")
    expect(page.locator("#campaign-status-note")).to_contain_text(REASON)
    expect(page.locator("#action-resume")).to_have_count(0)  # a viewer only reads

    login(page, "marketer")
    page.goto("email?tab=paused")
    expect(row(page, NAME)).to_contain_text("(the limit is 5%)")
    act(page, NAME, "Resume")  # from the list too, it asks first
    expect(page.locator("#confirm-dialog")).to_contain_text("Resume despite the reputation breaker?")
    page.locator("#confirm-no").click()
    expect(status_of(page, NAME)).to_have_text("paused")
    row(page, NAME).locator(".campaign-link").click()
    expect(page.locator("#campaign-status")).to_have_text("paused")
    expect(page.locator("#campaign-status-note")).to_contain_text(REASON)
    reason = page.locator('#campaign-waiting .waiting-reason[data-kind="breaker"]')
    expect(reason).to_contain_text("reputation breaker")
    expect(reason).to_contain_text("of the first 500 messages (the limit is 5%)")
    screenshot(page, "campaign-paused-by-breaker")

    # Resume asks first; keeping it paused changes nothing.
    page.locator("#action-resume").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Resume despite the reputation breaker?")
    expect(dialog).to_contain_text("the breaker will not pause it again")
    dialog.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.locator("#campaign-status")).to_have_text("paused")
    page.locator("#action-resume").click()
    page.locator("#confirm-resume").click()
    expect(page.get_by_text(f"“{NAME}” resumed: sending goes on.")).to_be_visible()
    expect(page.locator("#campaign-status")).not_to_have_text("paused", timeout=30_000)
    expect(page.locator("#campaign-status-note")).to_have_count(0)

    with Session(app_db) as session:
        assert session.get(EmailCampaign, campaign_id).breaker == "overridden"
        entries = session.exec(
            select(AuditEntry.actor_label, AuditEntry.action)
            .where(AuditEntry.object_id == str(campaign_id), AuditEntry.object_type.in_(("email_campaign", "campaign")))
            .order_by(AuditEntry.id)
        ).all()
    assert entries[0] == ("system: reputation breaker", "email_campaign.pause")
    assert entries[-1][0] == "marketer@test.example" and entries[-1][1].endswith(":resume")
