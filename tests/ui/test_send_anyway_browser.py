"""A campaign some contacts cannot get (a variable only some of them have) is refused at Start,
with the choice to send anyway without them: they are skipped with the reason, the others get it,
and the campaign ends sent."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import EmailCampaignRecipient
from tests.factories import make_contact, make_email_campaign, make_segment
from tests.helpers.ui import act, login, status_of

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SEND_TIMEOUT = 90_000  # ms: the app's worker sends through the emulator


def test_a_marketer_sends_anyway_skipping_the_contacts_without_the_variable(page, app_db):
    from playwright.sync_api import expect

    tag = f"nick-{uuid.uuid4().hex[:6]}"
    with Session(app_db) as session:
        for i, nickname in enumerate(["Ace", "Bee", None]):
            make_contact(
                session,
                email=f"{tag}-{i}@example.com",
                tags=[tag],
                attributes={"nickname": nickname} if nickname else {},
            )
        segment = make_segment(session, name=f"Nicknamed {tag}", rules=[{"field": "tag", "op": "is", "value": tag}])
        campaign = make_email_campaign(
            session, name=f"Hey {tag}", segment_id=segment.id, html="<p>Hey {{ nickname }}</p>", subject="Hey"
        )
        name, campaign_id = campaign.name, campaign.id

    login(page, "marketer")
    page.goto("email")
    act(page, name, "Start sending")
    confirm = page.locator("#send-confirm")
    expect(confirm).to_contain_text(f"“{name}” cannot be sent to everyone")
    expect(confirm.locator(".send-problem")).to_contain_text(f"1 contact (e.g. {tag}-2@example.com)")
    expect(page.locator("#send-confirm-yes")).to_have_count(0)
    page.locator("#send-confirm-skip").click()  # "Send anyway, skipping 1 contact"
    expect(status_of(page, name)).to_have_text("sent", timeout=SEND_TIMEOUT)

    with Session(app_db) as session:
        rows = session.exec(
            select(EmailCampaignRecipient).where(EmailCampaignRecipient.campaign_id == campaign_id)
        ).all()
    outcome = {r.address: r.status for r in rows}
    assert outcome[f"{tag}-2@example.com"] == "cancelled"
    assert all(outcome[f"{tag}-{i}@example.com"] not in ("failed", "cancelled") for i in (0, 1))
    skipped = next(r for r in rows if r.address == f"{tag}-2@example.com")
    assert re.search("has no nickname", skipped.last_error or "")
