"""The preference centre in a real browser, as a contact reaches it from a demo email: readable on
a phone (nothing scrolls sideways), no serious axe-core violation, and it works with JavaScript
off (plain forms). And the Topics page: a marketer adds a topic, a viewer only reads."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, col, select

from campaign_dashboard.models import Contact, EmailCampaign, EmailCampaignRecipient, Topic, TopicOptOut
from campaign_dashboard.services.events.unsubscribe import make_unsubscribe_token
from tests.helpers.ui import login, screenshot, unique

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")


def _link(app_db, app_data_dir, skip: int) -> tuple[str, int]:
    """(path of the unsubscribe link, contact id) of a new subscribed contact who got the demo's
    "Black Friday early access" email (about Offers). A contact of its own: the demo's contacts
    have left topics at random, and other browser tests' campaigns (with the emulator's
    complaints and bounces) may change them while this test runs. `skip` is kept for the callers."""
    secret = (app_data_dir / "secret_key").read_text().strip()
    with Session(app_db) as session:
        campaign = session.exec(select(EmailCampaign).where(EmailCampaign.name == "Black Friday early access")).one()
        contact = Contact(email=f"centre-{uuid.uuid4().hex[:10]}@example.com", first_name="Centre")
        session.add(contact)
        session.flush()
        session.add(
            EmailCampaignRecipient(
                campaign_id=campaign.id, contact_id=contact.id, address=contact.email, status="delivered", attempts=1
            )
        )
        session.commit()
        contact_id = contact.id
        token = make_unsubscribe_token(contact_id=contact_id, campaign_id=campaign.id, secret_key=secret)
    return f"unsubscribe/{token}", contact_id


def _left(app_db, contact_id: int) -> set[str]:
    with Session(app_db) as session:
        query = (
            select(Topic.name)
            .join(TopicOptOut, col(TopicOptOut.topic_id) == col(Topic.id))
            .where(TopicOptOut.contact_id == contact_id, TopicOptOut.channel == "email")
        )
        return set(session.exec(query).all())


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:6]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_the_preference_centre_on_a_phone_is_accessible_and_leaves_one_topic(page, app_db, app_data_dir):
    from playwright.sync_api import expect

    path, contact_id = _link(app_db, app_data_dir, skip=0)
    page.set_viewport_size(PHONE)
    page.goto(path)
    expect(page.get_by_role("heading", name="Your emails")).to_be_visible()
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Offers")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    violations = _violations(page)
    assert not violations, "\n".join(violations)
    screenshot(page, "preference-centre")

    page.get_by_role("button", name="Unsubscribe from Offers").click()
    expect(page.get_by_role("status")).to_have_text("You are unsubscribed from Offers.")
    expect(page.get_by_role("checkbox", name="Offers")).not_to_be_checked()
    assert _left(app_db, contact_id) == {"Offers"}
    assert not _violations(page)

    # Staff see it on the contact page: the topic left, and the centre's entry in the history.
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, "viewer")
    page.goto(f"contacts/{contact_id}")
    expect(page.locator("#contact-topics-left")).to_contain_text("Offers (email)")
    newest = page.locator("#contact-consent tbody tr").first
    expect(newest).to_contain_text("topic: Offers")
    expect(newest).to_contain_text("preference centre")
    with Session(app_db) as session:
        campaign = session.exec(select(EmailCampaign).where(EmailCampaign.name == "Black Friday early access")).one()
    page.goto(f"email/{campaign.id}")
    expect(page.locator("#campaign-topic")).to_have_text("Offers")


def test_the_centre_works_without_javascript(browser, app_url, app_db, app_data_dir):
    from playwright.sync_api import expect

    path, contact_id = _link(app_db, app_data_dir, skip=1)
    context = browser.new_context(java_script_enabled=False, base_url=app_url, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(path)
        page.get_by_role("checkbox", name="Newsletter").uncheck()
        page.get_by_role("button", name="Save my choices").click()
        expect(page.get_by_role("status")).to_have_text("Your choices are saved.")
        assert _left(app_db, contact_id) == {"Newsletter"}
        page.get_by_role("button", name="Unsubscribe from all emails").click()
        expect(page.get_by_role("status")).to_contain_text("unsubscribed from all campaigns")
        page.get_by_role("checkbox", name="Receive campaign emails from us again").check()
        page.get_by_role("button", name="Save my choices").click()
        expect(page.get_by_role("status")).to_have_text("Your choices are saved.")
        with Session(app_db) as session:
            assert session.get(Contact, contact_id).email_status == "subscribed"
    finally:
        context.close()


def test_a_marketer_adds_a_topic_and_a_viewer_only_reads(page):
    from playwright.sync_api import expect

    name = unique("Trail reports")
    login(page, "marketer")
    page.goto("topics")
    expect(page.locator("#topics tbody tr", has_text="Offers")).to_be_visible()
    page.locator("#new-topic").click()
    page.wait_for_timeout(500)  # the dialog's opening animation
    violations = _violations(page)
    assert not violations, "\n".join(violations)
    page.locator("#add-topic-name").fill(name)
    page.locator("#add-topic-description").fill("Conditions on the trails, every Friday.")
    page.locator("#add-topic-submit").click()
    expect(page.locator("#topics tbody tr", has_text=name)).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    screenshot(page, "topics")
    page.locator("#new-topic").click()
    page.locator("#add-topic-name").fill(name.upper())
    page.locator("#add-topic-submit").click()
    expect(page.locator("#add-topic-name-error")).to_contain_text("already exists")
    page.keyboard.press("Escape")

    login(page, "viewer")
    page.goto("topics")
    expect(page.locator("#topics tbody tr", has_text=name)).to_be_visible()
    expect(page.locator("#new-topic")).to_have_count(0)
    expect(page.locator(".edit-topic")).to_have_count(0)


def test_the_campaign_dialogs_topic_picker_counts_the_audience_without_the_topics_leavers(page, app_db):
    from playwright.sync_api import expect

    from campaign_dashboard.models import Segment, SegmentContact
    from tests.factories import make_contact
    from tests.helpers.ui import choose

    tag = unique("topic picker").rsplit(" ", 1)[1]
    with Session(app_db, expire_on_commit=False) as session:
        topic = Topic(name=f"Trail runs {tag}")
        segment = Segment(name=f"Runners {tag}", kind="static")
        session.add_all([topic, segment])
        session.commit()
        runners = [make_contact(session, email=f"runner{i}-{tag}@example.com") for i in range(3)]
        session.add_all(SegmentContact(segment_id=segment.id, contact_id=c.id) for c in runners)
        session.add(TopicOptOut(topic_id=topic.id, channel="email", contact_id=runners[0].id))
        session.commit()

    login(page, "marketer")
    page.goto("email")
    page.locator("#new-campaign").click()
    choose(page, "campaign-segment_id", segment.name)
    expect(page.locator("#campaign-audience")).to_contain_text("3 recipients")
    choose(page, "campaign-topic_id", topic.name)
    expect(page.locator("#campaign-audience")).to_contain_text("2 recipients")
