"""A marketer follows up a sent campaign from its page, in Chromium against the real app: the
"Follow up…" dialog counts each audience, creating one opens the new draft in the form to change
its subject, and the draft says what it follows up. A viewer is offered nothing.

The campaign is the test's own, written into the app's database as the send path leaves it: three
recipients, one of whom opened it.
"""

from __future__ import annotations

import re
import uuid

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import EmailCampaign, Segment, SegmentContact
from tests.factories import make_contact, make_email_campaign
from tests.helpers.events import make_sent_email
from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def sent_campaign(app_db) -> tuple[int, str, set[int]]:
    """(id, name, contact ids of the two who did not open) of a new sent email campaign."""
    tag = uuid.uuid4().hex[:6]
    name = f"Follow-up source {tag}"
    with Session(app_db) as session:
        campaign = make_email_campaign(session, name=name, status="sent", recipients=3, sent=3)
        sent = [
            make_sent_email(session, campaign=campaign, contact=make_contact(session, email=f"fu{tag}-{i}@example.com"))
            for i in range(3)
        ]
        sent[0].last_engaged_at = sent[0].sent_at
        session.add(sent[0])
        session.commit()
        return campaign.id, name, {s.contact_id for s in sent[1:]}


def test_a_marketer_follows_up_with_those_who_did_not_open(page, app_db, sent_campaign):
    from playwright.sync_api import expect

    campaign_id, name, quiet = sent_campaign
    login(page, "marketer")
    page.goto(f"email/{campaign_id}")
    expect(page.locator("#campaign-status")).to_have_text("sent")
    page.locator("#action-follow-up").click()
    dialog = page.locator("#follow-up-dialog")
    not_opened = dialog.locator('[data-audience="not_opened"]')
    expect(not_opened).to_contain_text("Did not open")
    expect(not_opened).to_contain_text("2 contacts")
    expect(dialog.locator('[data-audience="not_clicked"]')).to_contain_text("3 contacts")
    expect(dialog.locator("#follow-up-soft_bounced")).to_be_disabled()
    screenshot(page, "follow-up-dialog")

    dialog.locator("#follow-up-not_opened").click()
    expect(page).to_have_url(re.compile(r"/email/\d+$"))
    form = page.locator("#campaign-form")
    expect(form.get_by_role("heading", name="Edit email campaign")).to_be_visible()
    expect(form.locator("#campaign-name")).to_have_value(f"{name} — follow-up: did not open")
    form.locator("#campaign-subject").fill("Did you miss it?")
    form.locator("#campaign-save").click()
    expect(form).to_be_hidden()

    draft_id = int(page.url.rsplit("/", 1)[-1])
    assert draft_id != campaign_id
    expect(page.locator("#campaign-status")).to_have_text("draft")
    expect(page.locator("#campaign-detail")).to_contain_text("Did you miss it?")
    follows = page.locator("#campaign-follows-up")
    expect(follows).to_contain_text(f"“{name}” — did not open")
    expect(follows.get_by_role("link")).to_have_attribute("href", f"/email/{campaign_id}")
    with Session(app_db) as session:
        draft = session.get(EmailCampaign, draft_id)
        assert (draft.subject, draft.follow_up_of, draft.follow_up_audience) == (
            "Did you miss it?",
            campaign_id,
            "not_opened",
        )
        assert session.get(Segment, draft.segment_id).kind == "static"
        rows = session.exec(select(SegmentContact.contact_id).where(SegmentContact.segment_id == draft.segment_id))
        assert set(rows.all()) == quiet


def test_a_viewer_is_not_offered_a_follow_up(page, sent_campaign):
    from playwright.sync_api import expect

    campaign_id, _, _ = sent_campaign
    login(page, "viewer")
    page.goto(f"email/{campaign_id}")
    expect(page.locator("#campaign-status")).to_have_text("sent")
    expect(page.locator("#action-follow-up")).to_have_count(0)
