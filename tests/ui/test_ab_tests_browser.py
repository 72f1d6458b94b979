"""A/B tests in Chromium against the real app (worker and emulator running with it): a marketer
makes a campaign with a second subject in the dialog (a missing one is said under its field),
starts it, watches the variants' cards side by side on its page while the remainder waits, and
picks the winner; the rest is sent with it. A viewer sees the demo's finished test and its
decision, and is offered no button."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import AbTest, EmailCampaign
from tests.helpers.ui import act, choose, login, row, screenshot, status_of, unique

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SEND_TIMEOUT = 90_000  # ms: the real worker sends through the emulator at its rate limits


def test_a_marketer_tests_two_subjects_and_picks_the_winner(page, app_db):
    from playwright.sync_api import expect

    login(page, "marketer")
    page.goto("email")
    name = unique("Subject test")
    page.locator("#new-campaign").click()
    form = page.locator("#campaign-form")
    form.locator("#campaign-name").fill(name)
    form.locator("#campaign-subject").fill("Early access is open")
    choose(page, "campaign-segment_id", "VIP customers")
    form.locator("#campaign-html").fill("<p>Hi {{ first_name }}</p>")
    form.locator("#campaign-ab-on").click()
    form.locator("#campaign-save").click()
    expect(form.locator("#error-ab_variant_1")).to_have_text("Each variant needs a subject")
    form.locator("#campaign-ab-variant-B").fill("{{ first_name }}, your VIP preview")
    expect(form.locator("#error-ab_variant_1")).to_have_count(0)
    form.locator("#campaign-ab-share").fill("150")
    form.locator("#campaign-save").click()
    expect(form.locator("#error-test_share")).to_contain_text("A whole number from 1 to 99")
    form.locator("#campaign-ab-share").fill("50")
    choose(page, "campaign-ab-wait", "48")
    form.locator("#campaign-save").click()
    expect(form).to_be_hidden()
    expect(status_of(page, name)).to_have_text("draft")

    act(page, name, "Start sending")
    expect(page.locator("#send-confirm")).to_contain_text(
        re.compile(r"A/B test: 50% \(about [\d,]+ recipients\) get one of 2 variants first; the rest wait")
    )
    page.locator("#send-confirm-yes").click()
    expect(page.get_by_text(f"“{name}” started: sending is queued.")).to_be_visible()
    row(page, name).get_by_role("link", name=name).click()

    panel = page.locator("#ab-test-panel")
    expect(panel.locator("#ab-settings")).to_have_text(
        "50% of the audience test 2 variants; the winner is picked on the open rate 48 hours after the start."
    )
    expect(panel.locator("#ab-variant-0")).to_contain_text("Early access is open")
    expect(panel.locator("#ab-variant-1")).to_contain_text("{{ first_name }}, your VIP preview")
    expect(panel.locator("#ab-remainder")).to_contain_text("Remainder")
    expect(panel.locator("#ab-waiting")).to_have_text("The remainder waits for the winner.")
    with Session(app_db) as session:
        campaign = session.exec(select(EmailCampaign).where(EmailCampaign.name == name)).one()
        tested = (campaign.recipients * 50 + 50) // 100
    # the test messages go out and the cards follow without a reload; the remainder stays
    expect(panel.locator("#ab-variant-0 .ab-numbers")).to_contain_text(
        re.compile(rf"of {(tested + 1) // 2} sent"), timeout=SEND_TIMEOUT
    )
    expect(page.locator("#campaign-status")).to_have_text("sending")
    expect(page.locator('.waiting-reason[data-kind="ab_test"]')).to_contain_text("waiting for the A/B test's winner")

    panel.locator("#ab-decide").click()
    decision = panel.locator("#ab-decision")
    expect(decision).to_contain_text("Picked by marketer@test.example")
    expect(decision).to_contain_text(re.compile(r"wins:|No clear winner"))
    expect(panel.locator("#ab-decide")).to_have_count(0)
    expect(panel.locator(".ab-winner")).to_have_count(1)
    expect(panel.locator("#ab-remainder")).to_contain_text(re.compile(r"Winner \([AB]\)"))
    expect(page.locator("#campaign-status")).to_have_text("sent", timeout=SEND_TIMEOUT)
    with Session(app_db) as session:
        test = session.exec(select(AbTest).where(AbTest.campaign_id == campaign.id)).one()
        assert test.decision["by"] == "marketer@test.example"


def test_a_viewer_sees_the_demo_test_and_its_winner_but_no_button(page, app_db):
    from playwright.sync_api import expect

    with Session(app_db) as session:
        demo = session.exec(select(EmailCampaign).where(EmailCampaign.name == "Autumn sale: subject test")).one()
        test = session.exec(select(AbTest).where(AbTest.campaign_id == demo.id)).one()
        winner = "AB"[test.winner]
    login(page, "viewer")
    page.goto(f"email/{demo.id}")
    panel = page.locator("#ab-test-panel")
    expect(panel.locator("#ab-cards .ab-card")).to_have_count(3)  # A, B and the winner's phase
    expect(panel.locator(f"#ab-variant-{test.winner} .ab-winner")).to_have_text("Winner")
    expect(panel.locator("#ab-remainder")).to_contain_text(f"Winner ({winner})")
    expect(panel.locator("#ab-decision")).to_contain_text(test.decision["summary"] + " Picked when the wait ended.")
    expect(panel.locator("#ab-decide")).to_have_count(0)
    box_a = panel.locator("#ab-variant-0").bounding_box()
    box_b = panel.locator("#ab-variant-1").bounding_box()
    assert box_a and box_b and abs(box_a["y"] - box_b["y"]) < 2 and box_b["x"] > box_a["x"]  # side by side
    panel.scroll_into_view_if_needed()
    screenshot(page, "ab-test")
