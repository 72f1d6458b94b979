"""Contacts, segments and templates in a real browser, as a marketer and as a viewer would use them."""

from __future__ import annotations

import csv
import io
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import (
    Contact,
    EmailTemplate,
    Segment,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsEvent,
)
from campaign_dashboard.services.audience import behaviour_rules, contacts, segments
from campaign_dashboard.services.campaigns import templates
from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser]


def unique() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def tag(app_db) -> Iterator[str]:
    """A unique word for the names and addresses a test creates; afterwards the contacts,
    segments and templates carrying it are deleted, so the shared app keeps its demo numbers."""
    word = unique()
    yield word
    with Session(app_db) as session:
        for contact_id in session.exec(select(Contact.id).where(Contact.email.contains(word))).all():
            contacts.delete_contact(session=session, contact_id=contact_id)
        for segment_id in session.exec(select(Segment.id).where(Segment.name.contains(word))).all():
            segments.delete_segment(session=session, segment_id=segment_id)
        for template_id in session.exec(select(EmailTemplate.id).where(EmailTemplate.name.contains(word))).all():
            templates.delete_template(session=session, template_id=template_id)


def start_import(page, path: Path) -> None:
    """Choose `path` in the Import CSV dialog of the contacts page and start the import."""
    from playwright.sync_api import expect

    page.locator("#import-contacts").click()
    page.locator("input[type=file]").set_input_files(str(path))
    expect(page.locator("#import-file-name")).to_have_text(path.name)
    page.locator("#import-start").click()


def import_file(page, path: Path) -> None:
    """Import `path` through the dialog, until the import has finished; columns the import asks
    about are taken as it suggests (attributes of their own name)."""
    from playwright.sync_api import expect

    start_import(page, path)
    asked_or_running = page.locator("#import-questions, #import-progress-text").first
    expect(asked_or_running).to_be_visible(timeout=60_000)
    if page.locator("#import-questions").is_visible():
        page.locator("#import-start").click()
    expect(page.locator("#import-progress-text")).to_contain_text("done", timeout=60_000)


def download_csv(page, trigger) -> list[list[str]]:
    with page.expect_download() as info:
        trigger.click()
    return list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))


def test_a_marketer_imports_a_csv_sees_the_counts_and_reads_the_error_report(page, tmp_path, tag):
    from playwright.sync_api import expect

    path = tmp_path / f"contacts-{tag}.csv"
    path.write_text(
        "email,first_name,last_name,tags\n"
        f"ada.{tag}@example.com,Ada,Lovelace,{tag}\n"
        "not-an-email,Bad,Address,\n"
        f"grace.{tag}@example.com,Grace,Hopper,{tag}\n"
        f"ADA.{tag}@example.com,Ada,Again,\n"
        f"alan.{tag}@example.com,Alan,Turing,{tag}\n"
    )
    login(page, "marketer")
    page.goto("contacts")
    expect(page.locator("#contacts tbody tr").first).to_be_visible()

    import_file(page, path)

    expect(page.locator("#import-progress-text")).to_have_text("5 of 5 rows · done")
    expect(page.locator("#import-progress")).to_have_attribute("data-state", "complete")
    expect(page.locator("#import-created")).to_have_text("3")
    expect(page.locator("#import-updated")).to_have_text("0")
    expect(page.locator("#import-rejected")).to_have_text("2")
    rejections = page.locator("#import-rejections tbody tr")  # listed in the dialog, line and reason
    expect(rejections).to_have_count(2)
    expect(rejections.nth(0)).to_contain_text("not a valid email")
    expect(rejections.nth(1)).to_contain_text(f"5duplicate of row 2 (same email ada.{tag}@example.com)")
    screenshot(page, "contacts-import")

    report = download_csv(page, page.locator("#import-error-report"))
    assert report[0] == ["line", "reason", "email", "first_name", "last_name", "tags"]
    assert [row[0] for row in report[1:]] == ["3", "5"]
    assert "not a valid email" in report[1][1] and report[1][2:] == ["not-an-email", "Bad", "Address", ""]
    assert report[2][1] == f"duplicate of row 2 (same email ada.{tag}@example.com)"

    # Closing the dialog refreshes the list; the tag filter finds exactly the imported contacts.
    page.locator("#import-close").click()
    page.locator("#filter-tag").click()
    page.get_by_role("option", name=tag, exact=True).click()
    rows = page.locator("#contacts tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#contacts-total")).to_contain_text("3 matching contacts")


def test_columns_the_import_does_not_recognise_are_asked_about_first(page, tmp_path, tag, app_db):
    from playwright.sync_api import expect

    path = tmp_path / f"norsk-{tag}.csv"
    path.write_text(f"E-post,Fornavn,notes,Region\nkari.{tag}@example.no,Kari,call back,Vest\n")
    login(page, "marketer")
    page.goto("contacts")
    start_import(page, path)
    questions = page.locator("#import-questions .column-question")
    expect(questions).to_have_count(4)
    expect(page.locator("#import-questions .column-name")).to_have_text(["E-post", "Fornavn", "notes", "Region"])
    expect(page.locator("#import-progress-text")).to_have_count(0)  # nothing imported yet

    for position, choice in ((0, "Email"), (1, "First name"), (2, "Leave it out")):
        questions.nth(position).get_by_role("combobox").click()
        page.get_by_role("option", name=choice, exact=True).click()
    page.locator("#import-start").click()  # the same file, with the answers
    expect(page.locator("#import-progress-text")).to_contain_text("done", timeout=60_000)
    expect(page.locator("#import-created")).to_have_text("1")
    with Session(app_db) as session:
        kari = session.exec(select(Contact).where(Contact.email == f"kari.{tag}@example.no")).one()
    assert (kari.first_name, kari.attributes) == ("Kari", {"Region": "Vest"})


def test_a_file_without_an_address_column_is_refused_whole_with_the_reason(page, tmp_path, tag):
    from playwright.sync_api import expect

    path = tmp_path / f"names-{tag}.csv"
    path.write_text(f"name,city\nAda {tag},London\n")
    login(page, "marketer")
    page.goto("contacts")
    expect(page.locator("#contacts tbody tr").first).to_be_visible()

    start_import(page, path)
    # Neither column is one we know: asked first; left as attributes, the file has no address.
    expect(page.locator("#import-questions .column-name")).to_have_text(["name", "city"])
    page.locator("#import-start").click()

    expect(page.locator("#import-error")).to_contain_text("The header has no email or phone column")
    expect(page.locator("#import-result")).to_have_count(0)
    expect(page.locator("#import-start")).to_be_disabled()  # the file was cleared: choose again


def test_a_search_filters_the_list_and_the_export_escapes_formulas(page, tmp_path, tag):
    from playwright.sync_api import expect

    path = tmp_path / f"formula-{tag}.csv"
    path.write_text(f'email,first_name,last_name,note\nmallory.{tag}@example.com,"=HYPERLINK(""http://x"")",@evil,-1\n')
    login(page, "marketer")
    page.goto("contacts")
    expect(page.locator("#contacts tbody tr").first).to_be_visible()
    screenshot(page, "contacts")
    first_link = page.locator("#contacts tbody tr a").first
    first_on_page_1 = first_link.get_attribute("href")
    page.locator("#contacts-next").click()
    expect(page.locator("#contacts-total")).to_contain_text("page 2")
    expect(page.locator("#contacts tbody tr")).to_have_count(50)
    expect(first_link).not_to_have_attribute("href", first_on_page_1)
    page.locator("#contacts-previous").click()
    expect(page.locator("#contacts-total")).to_contain_text("page 1")
    expect(first_link).to_have_attribute("href", first_on_page_1)
    expect(page.locator("#contacts-total")).to_contain_text(re.compile(r"^[\d,]+ contacts"))
    total_before = int(page.locator("#contacts-total").inner_text().split()[0].replace(",", ""))
    import_file(page, path)
    page.locator("#import-close").click()

    page.locator("#contact-search").fill(f"mallory.{tag}")
    expect(page.locator("#contacts tbody tr")).to_have_count(1)
    expect(page.locator("#contacts tbody tr")).to_contain_text(f"mallory.{tag}@example.com")
    expect(page.locator("#contacts-total")).to_contain_text("1 matching contact ·")

    rows = download_csv(page, page.locator("#export-contacts"))
    header, data = rows[0], rows[1:]
    assert len(data) == 1, "the export follows the search"
    row = dict(zip(header, data[0], strict=True))
    assert row["email"] == f"mallory.{tag}@example.com"
    assert row["first_name"] == '\'=HYPERLINK("http://x")'
    assert row["last_name"] == "'@evil"
    assert row["attributes.note"] == "'-1"

    # Two characters: the emails and names that start with them, and the page says so.
    page.locator("#contact-search").fill("MA")
    expect(page.locator("#contact-search-hint")).to_contain_text("start with them")
    # More than the one row the previous search left (so the list has been read again), and
    # every row starts with the term: a "contains" would also list emma@... or thomas@...
    expect(page.locator("#contacts tbody tr").nth(1)).to_be_visible()
    for row in page.locator("#contacts tbody tr").all():
        name, email = row.locator("th").inner_text().lower(), row.locator("td").first.inner_text().lower()
        assert email.startswith("ma") or any(word.startswith("ma") for word in name.split()), (name, email)
    page.locator("#contact-search").fill(f"mallory.{tag}")
    expect(page.locator("#contact-search-hint")).to_have_count(0)

    page.locator("#contact-search").fill("")
    expect(page.locator("#contacts-total")).to_contain_text(f"{total_before + 1:,} contacts · page 1")


def _contact_with_events(engine, timeout: float = 120) -> tuple[Contact, str, str]:
    """A contact with a subscribed email address that a demo campaign sending right now has
    reached, and that has a provider event by now (SMS events arrive all through the test run)."""
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as session:
            row = session.exec(
                select(Contact, SmsCampaign.name, SmsEvent.type)
                .join(SmsCampaignRecipient, SmsCampaignRecipient.contact_id == Contact.id)
                .join(SmsEvent, SmsEvent.recipient_id == SmsCampaignRecipient.id)
                .join(SmsCampaign, SmsCampaign.id == SmsEvent.campaign_id)
                .where(Contact.email_status == "subscribed", Contact.email.is_not(None))
                .order_by(SmsEvent.id)
                .limit(1)
            ).first()
        if row is not None:
            return row
        assert time.monotonic() < deadline, "no event arrived from the emulator"
        time.sleep(1)


def test_a_contact_detail_shows_its_history_and_unsubscribe_then_resubscribe(page, app_db):
    from playwright.sync_api import expect

    contact, campaign, event_type = _contact_with_events(app_db)
    login(page, "marketer")
    page.goto("contacts")
    expect(page.locator("#contacts tbody tr").first).to_be_visible()  # loaded: typing now filters
    page.locator("#contact-search").fill(contact.email)
    expect(page.locator("#contacts tbody tr")).to_have_count(1)
    page.locator("#contacts tbody tr a").first.click()

    expect(page).to_have_url(re.compile(rf"/contacts/{contact.id}/?$"))
    expect(page.locator("#contact-campaigns")).to_contain_text(campaign)
    expect(page.locator("#contact-events")).to_contain_text(event_type)
    expect(page.locator("#status-email")).to_have_text("subscribed")
    screenshot(page, "contact-detail")

    page.locator("#unsubscribe-email").click()
    page.locator("#confirm-unsubscribe-email").click()
    expect(page.locator("#status-email")).to_have_text("unsubscribed")
    with Session(app_db) as session:
        assert session.get(Contact, contact.id).email_status == "unsubscribed"

    page.locator("#resubscribe-email").click()
    expect(page.locator("#status-email")).to_have_text("subscribed")
    with Session(app_db) as session:
        assert session.get(Contact, contact.id).email_status == "subscribed"


def test_a_segment_built_from_two_rules_shows_its_live_count_and_is_saved(page, app_db, tag):
    from playwright.sync_api import expect

    def expected(rules) -> str:
        with Session(app_db) as session:
            return f"{segments.preview_count(session=session, rules=rules, match='all'):,}"

    vip = {"field": "tag", "op": "is", "value": "vip"}
    named = {"field": "first_name", "op": "contains", "value": "an"}
    name = f"VIPs with an {tag}"
    login(page, "marketer")
    page.goto("segments")
    expect(page.locator("#segments")).to_contain_text("VIP customers")
    screenshot(page, "segments")
    page.locator("#new-segment").click()
    page.locator("#segment-save").click()  # no name: said at the field, not in a toast over the page
    expect(page.locator("#segment-name-error")).to_have_text("A segment needs a name.")
    expect(page.locator("[data-sonner-toast]")).to_have_count(0)
    page.locator("#segment-name").fill(name)
    expect(page.locator("#segment-name-error")).to_have_count(0)
    page.locator(".rule").nth(0).locator(".rule-value input").fill("vip")
    expect(page.locator("#segment-count")).to_have_text(expected([vip]))

    page.locator("#add-rule").click()
    page.locator(".rule-field").nth(1).click()
    page.get_by_role("option", name="First name").click()
    page.locator(".rule-op").nth(1).click()
    page.get_by_role("option", name="contains").click()
    page.locator(".rule").nth(1).locator(".rule-value input").fill("an")
    expect(page.locator("#segment-count")).to_have_text(expected([vip, named]))
    assert expected([vip, named]) != expected([vip]), "the demo data should make the second rule matter"
    screenshot(page, "segment-editor")

    page.locator("#segment-save").click()
    expect(page).to_have_url(re.compile(r"/segments/?$"))
    row = page.locator("#segments tbody tr", has_text=name)
    expect(row).to_contain_text("tag is vip AND first name contains an")
    expect(row.locator(".segment-members")).to_have_text(expected([vip, named]))


def test_a_static_list_is_built_by_pasting_and_searching_and_a_segment_in_use_cannot_be_deleted(page, app_db, tag):
    from playwright.sync_api import expect

    with Session(app_db) as session:
        first, second, third = session.exec(
            select(Contact.email).where(Contact.email.is_not(None)).order_by(Contact.id).limit(3)
        ).all()
    name = f"Hand picked {tag}"
    login(page, "marketer")
    page.goto("segments")
    page.locator("#new-segment").click()
    page.locator("#segment-name").fill(name)
    page.locator("#segment-kind").get_by_role("radio", name="Static list").click()
    expect(page.locator("#segment-count")).to_have_text("0")

    page.locator("#segment-paste").fill(f"{first.upper()}\nnobody-{unique()}@example.com, {second}")
    page.locator("#segment-add-pasted").click()
    expect(page.locator("#segment-paste-report")).to_contain_text("Added 2 contact(s). Not found: nobody-")
    expect(page.locator("#segment-count")).to_have_text("2")
    page.locator("#segment-member-search").fill(third)
    page.locator(".add-member").first.click()
    expect(page.locator("#segment-count")).to_have_text("3")
    expect(page.locator("#segment-members")).to_contain_text(third)
    page.locator("#segment-save").click()

    expect(page).to_have_url(re.compile(r"/segments/?$"))
    row = page.locator("#segments tbody tr", has_text=name)
    expect(row).to_contain_text("static list")
    expect(row.locator(".segment-members")).to_have_text("3")

    # A segment that started campaigns went to stays: the refusal says why.
    page.locator("#segments tbody tr", has_text="VIP customers").locator(".delete-segment").click()
    page.locator(".confirm-delete-segment").click()
    expect(
        page.get_by_text(re.compile(r"^Segment 'VIP customers' is used by campaigns .* cannot be deleted\.$"))
    ).to_be_visible()
    expect(page.locator("#segments")).to_contain_text("VIP customers")
    # An unused one goes after the confirmation.
    row.locator(".delete-segment").click()
    page.locator(".confirm-delete-segment").click()
    expect(page.locator("#segments tbody tr", has_text=name)).to_have_count(0)


def test_a_broken_template_shows_the_error_and_cannot_be_saved_until_fixed(page, tag):
    from playwright.sync_api import expect

    name = f"Welcome {tag}"
    login(page, "marketer")
    page.goto("templates")
    expect(page.locator("#templates")).to_contain_text("Monthly newsletter")
    screenshot(page, "templates")

    page.locator("#new-template").click()
    page.locator("#template-save").click()  # no name yet: said under the field, no toast
    expect(page.locator("#template-name-error")).to_have_text("A template needs a name.")
    expect(page.locator("[data-sonner-toast]")).to_have_count(0)
    page.locator("#template-name").fill(name)
    expect(page.locator("#template-name-error")).to_have_count(0)
    page.locator("#template-subject").fill("Hi {{ first_name }}")
    page.locator("#template-html").fill(
        "<h1>Welcome {{ first_name }}</h1><script>parent.document.body.dataset.pwned = 'yes'</script>"
    )
    preview = page.frame_locator("#template-preview")
    expect(preview.locator("h1")).to_have_text("Welcome Jane")
    expect(page.locator("#template-preview-subject")).to_contain_text("Hi Jane")
    sandbox = page.locator("#template-preview").get_attribute("sandbox")
    assert sandbox is not None and "allow-scripts" not in sandbox
    assert page.locator("body").get_attribute("data-pwned") is None, "a template's script ran in the dashboard"
    page.locator("#template-save").click()
    expect(page).to_have_url(re.compile(r"/templates/?$"))

    page.locator("#templates a", has_text=name).click()
    expect(page.locator("#template-name")).to_have_value(name)
    page.locator("#template-html").fill("<h1>Welcome {{ first_name </h1>")
    expect(page.locator("#template-error")).to_contain_text("html: line 1: {{ is never closed with }}")
    expect(page.locator("#template-save")).to_be_disabled()
    screenshot(page, "template-editor")

    page.locator("#template-html").fill("<h1>Welcome back {{ first_name | upper }}</h1>")
    expect(page.locator("#template-error")).to_have_count(0)
    expect(preview.locator("h1")).to_have_text("Welcome back JANE")
    page.locator("#template-save").click()
    expect(page).to_have_url(re.compile(r"/templates/?$"))
    page.locator("#templates a", has_text=name).click()
    expect(page.locator("#template-html")).to_have_value("<h1>Welcome back {{ first_name | upper }}</h1>")


def test_a_viewer_sees_the_audience_but_no_import_edit_or_delete_buttons(page, app_db):
    from playwright.sync_api import expect

    with Session(app_db) as session:
        contact_id = session.exec(
            select(Contact.id).where(Contact.email.is_not(None), Contact.email_status == "subscribed")
        ).first()
    login(page, "viewer")
    page.goto("contacts")
    expect(page.locator("#contacts tbody tr").first).to_be_visible()
    expect(page.locator("#export-contacts")).to_be_visible()
    expect(page.locator("#import-contacts")).to_have_count(0)

    page.goto(f"contacts/{contact_id}")
    expect(page.locator("#status-email")).to_have_text("subscribed")
    expect(page.locator("#unsubscribe-email")).to_have_count(0)

    page.goto("segments")
    expect(page.locator("#segments")).to_contain_text("VIP customers")
    expect(page.locator("#new-segment")).to_have_count(0)
    expect(page.locator(".delete-segment")).to_have_count(0)

    # The viewer explores a segment: the rule builder and its live count work; only Save is gone.
    vip = {"field": "tag", "op": "is", "value": "vip"}
    named = {"field": "first_name", "op": "contains", "value": "an"}

    def expected(rules) -> str:
        with Session(app_db) as session:
            return f"{segments.preview_count(session=session, rules=rules, match='all'):,}"

    page.locator("#segments a", has_text="VIP customers").click()
    expect(page.locator("#segment-count")).to_have_text(expected([vip]))
    expect(page.locator("#segment-name")).to_have_attribute("readonly", "")
    page.locator("#add-rule").click()
    page.locator(".rule-field").nth(1).click()
    page.get_by_role("option", name="First name").click()
    page.locator(".rule-op").nth(1).click()
    page.get_by_role("option", name="contains").click()
    page.locator(".rule").nth(1).locator(".rule-value input").fill("an")
    expect(page.locator("#segment-count")).to_have_text(expected([vip, named]))
    expect(page.locator("#segment-save")).to_have_count(0)

    page.goto("templates")
    expect(page.locator("#templates")).to_contain_text("Monthly newsletter")
    expect(page.locator("#new-template")).to_have_count(0)
    expect(page.locator(".delete-template")).to_have_count(0)
    page.locator("#templates a", has_text="Monthly newsletter").click()
    expect(page.frame_locator("#template-preview").locator("body")).to_contain_text("Jane")
    expect(page.locator("#template-save")).to_have_count(0)


def test_the_contacts_page_is_usable_on_a_narrow_screen(page):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 400, "height": 800})
    login(page, "marketer")
    page.goto("contacts")
    expect(page.locator("#contacts tbody tr").first).to_be_visible()
    for control in (
        "#contact-search",
        "#filter-email-status",
        "#export-contacts",
        "#import-contacts",
        "#contacts-next",
    ):
        box = page.locator(control).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 400, f"{control} is off screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= 400, "the page scrolls sideways"
    screenshot(page, "contacts-narrow")


def test_a_behaviour_segment_shows_who_opened_a_campaign_with_a_tag_and_its_live_count(page, app_db, tag):
    from playwright.sync_api import expect

    def expected(rules) -> str:
        with Session(app_db) as session:
            return f"{segments.preview_count(session=session, rules=rules, match='all'):,}"

    with Session(app_db) as session:
        sent = [c for c in behaviour_rules.campaign_choices(session)["email_campaign"] if c[2] == "sent"]
    # a demo campaign that has finished (its opens no longer move) and went beyond the VIPs
    campaign_id, campaign, _ = next(c for c in sent if c[1] == "November newsletter")
    opened = {"field": "email_campaign", "op": "opened", "value": campaign_id}
    vip = {"field": "tag", "op": "is", "value": "vip"}
    name = f"Opened {campaign} {tag}"
    login(page, "marketer")
    page.goto("segments")
    page.locator("#new-segment").click()
    page.locator("#segment-name").fill(name)
    page.locator(".rule-field").nth(0).click()
    page.get_by_role("option", name="Email campaign").click()
    page.locator(".rule-campaign").nth(0).click()
    page.get_by_role("option", name=f"{campaign} (sent)").click()
    page.locator(".rule-op").nth(0).click()
    page.get_by_role("option", name="opened", exact=True).click()
    expect(page.locator("#segment-count")).to_have_text(expected([opened]))
    assert expected([opened]) != "0", "the demo's sent campaigns have opens"

    page.locator("#add-rule").click()
    page.locator(".rule").nth(1).locator(".rule-value input").fill("vip")
    expect(page.locator("#segment-count")).to_have_text(expected([opened, vip]))
    assert expected([opened, vip]) != expected([opened]), "the tag should narrow the segment"

    page.locator("#add-rule").click()
    page.locator(".rule-field").nth(2).click()
    page.get_by_role("option", name="Email engagement").click()
    days = page.locator(".rule").nth(2).locator(".rule-days input")
    days.fill("36500")
    expect(page.locator("#segment-count-error")).to_contain_text("rules[2].value")
    expect(page.locator("#segment-count-error")).to_contain_text("between 1 and 3,650")
    days.fill("3650")
    engaged = {"field": "email_engagement", "op": "opened_within_days", "value": "3650"}
    expect(page.locator("#segment-count")).to_have_text(expected([opened, vip, engaged]))
    screenshot(page, "segment-behaviour")

    page.locator("#segment-save").click()
    expect(page).to_have_url(re.compile(r"/segments/?$"))
    row = page.locator("#segments tbody tr", has_text=name)
    expect(row).to_contain_text(
        f"opened email '{campaign}' AND tag is vip AND opened or clicked an email in the last 3650 days"
    )
    expect(row.locator(".segment-members")).to_have_text(expected([opened, vip, engaged]))
