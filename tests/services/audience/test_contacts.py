"""Contacts: normalised addresses, tags, search, pagination and per-channel subscriptions."""

from __future__ import annotations

import pytest
from sqlmodel import select

from campaign_dashboard.models import Contact, ContactTag, SegmentContact, Suppression
from campaign_dashboard.services.audience import contacts, subscriptions, suppressions
from campaign_dashboard.services.audience.contacts import ContactCreate, ContactUpdate
from campaign_dashboard.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_contact, make_segment
from tests.helpers.consent import MARKETER


def create(session, **fields):
    return contacts.create_contact(session=session, data=ContactCreate(**fields), source=MARKETER)


def fields_of(exc: pytest.ExceptionInfo) -> set[str]:
    return {d["field"] for d in exc.value.details}


def test_addresses_are_stored_in_canonical_form(session):
    contact = create(
        session,
        email="  Ada.Lovelace@Example.COM ",
        phone="(415) 555-2671",
        first_name=" Ada ",
        timezone="Europe/London",
        tags=["vip", " vip ", "beta"],
        attributes={"plan": "pro", "seats": 3},
    )

    stored = session.get(Contact, contact.id)
    assert stored.email == "ada.lovelace@example.com"
    assert stored.phone == "+14155552671"
    assert stored.first_name == "Ada"
    assert stored.timezone == "Europe/London"
    assert stored.attributes == {"plan": "pro", "seats": 3}
    assert contacts.tags_of(session=session, contact_ids=[contact.id])[contact.id] == ["beta", "vip"]


def test_phone_region_can_be_chosen_for_local_numbers(session):
    contact = contacts.create_contact(
        session=session, data=ContactCreate(phone="020 7946 0958"), source=MARKETER, region="GB"
    )
    assert contact.phone == "+442079460958"


def test_every_invalid_field_is_reported_at_once(session):
    with pytest.raises(ValidationFailed) as exc:
        create(session, email="not-an-email", phone="12", timezone="Mars/Olympus")
    assert fields_of(exc) == {"email", "phone", "timezone"}
    assert session.exec(select(Contact)).all() == []


def test_a_contact_needs_an_email_or_a_phone(session):
    with pytest.raises(ValidationFailed, match="email address or a phone"):
        create(session, first_name="Nobody")
    assert create(session, phone="+14155550100").email is None


def test_duplicate_email_is_a_conflict_whatever_the_case(session):
    create(session, email="sam@example.com")
    with pytest.raises(Conflict, match="sam@example.com already exists"):
        create(session, email="SAM@example.com")
    assert len(session.exec(select(Contact)).all()) == 1


def test_update_changes_only_the_fields_sent(session):
    contact = create(session, email="a@example.com", first_name="Al", tags=["old"])

    contacts.update_contact(
        session=session,
        contact_id=contact.id,
        data=ContactUpdate(last_name="Smith", tags=["new", "vip"]),
    )

    stored = session.get(Contact, contact.id)
    assert (stored.first_name, stored.last_name, stored.email) == ("Al", "Smith", "a@example.com")
    assert contacts.tags_of(session=session, contact_ids=[contact.id])[contact.id] == ["new", "vip"]


def test_update_can_drop_the_email_only_if_a_phone_remains(session):
    contact = create(session, email="a@example.com")
    with pytest.raises(ValidationFailed):
        contacts.update_contact(session=session, contact_id=contact.id, data=ContactUpdate(email=None))

    contacts.update_contact(
        session=session, contact_id=contact.id, data=ContactUpdate(email=None, phone="+14155550100")
    )
    assert session.get(Contact, contact.id).email is None


def test_update_to_an_email_taken_by_another_contact_is_a_conflict(session):
    create(session, email="taken@example.com")
    other = create(session, email="free@example.com")
    with pytest.raises(Conflict):
        contacts.update_contact(session=session, contact_id=other.id, data=ContactUpdate(email="Taken@example.com"))
    session.expire_all()
    assert session.get(Contact, other.id).email == "free@example.com"


def test_missing_contact_is_not_found(session):
    with pytest.raises(NotFound):
        contacts.get_contact(session=session, contact_id=999)
    with pytest.raises(NotFound):
        contacts.delete_contact(session=session, contact_id=999)


def test_delete_removes_contact_tags_and_memberships_but_keeps_suppression(session):
    contact = create(session, email="gone@example.com", tags=["vip"])
    segment = make_segment(session, kind="static")
    session.add(SegmentContact(segment_id=segment.id, contact_id=contact.id))
    session.commit()
    subscriptions.unsubscribe(source=MARKETER, session=session, contact_id=contact.id, channel="email")

    contacts.delete_contact(session=session, contact_id=contact.id)

    assert session.get(Contact, contact.id) is None
    assert session.exec(select(ContactTag)).all() == []
    assert session.exec(select(SegmentContact)).all() == []
    assert suppressions.is_suppressed(session=session, channel="email", address="GONE@example.com")


def test_pagination_walks_every_contact_exactly_once(session):
    ids = {make_contact(session).id for _ in range(23)}
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = contacts.list_contacts(session=session, cursor=cursor, limit=5)
        seen += [c.id for c in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(ids)
    assert pages == 5


def test_a_bad_cursor_or_limit_is_a_validation_error(session):
    with pytest.raises(ValidationFailed, match="cursor"):
        contacts.list_contacts(session=session, cursor="garbage!")
    with pytest.raises(ValidationFailed, match="limit"):
        contacts.list_contacts(session=session, limit=0)


def test_search_matches_email_name_and_phone_case_insensitively(session):
    ada = create(session, email="ada@lovelace.org", first_name="Ada", last_name="Lovelace")
    grace = create(session, email="grace@navy.mil", first_name="Grace", phone="+14155552671")
    create(session, email="alan@turing.uk", first_name="Alan")

    def found(term):
        return {c.id for c in contacts.list_contacts(session=session, search=term).items}

    assert found("LOVELACE") == {ada.id}
    assert found("ada lovelace") == {ada.id}
    assert found("navy") == {grace.id}
    assert found("(415) 555") == {grace.id}
    assert found("%") == set()  # wildcards are literal


def test_unsubscribe_suppresses_the_address_and_resubscribe_lifts_it(session):
    contact = create(session, email="u@example.com", phone="+14155550100")

    subscriptions.unsubscribe(source=MARKETER, session=session, contact_id=contact.id, channel="email")
    subscriptions.unsubscribe(source=MARKETER, session=session, contact_id=contact.id, channel="sms")
    subscriptions.unsubscribe(source=MARKETER, session=session, contact_id=contact.id, channel="sms")  # idempotent

    stored = session.get(Contact, contact.id)
    assert (stored.email_status, stored.sms_status) == ("unsubscribed", "opted_out")
    rows = {(s.channel, s.address) for s in session.exec(select(Suppression)).all()}
    assert rows == {("email", "u@example.com"), ("sms", "+14155550100")}

    subscriptions.resubscribe(source=MARKETER, session=session, contact_id=contact.id, channel="email")

    stored = session.get(Contact, contact.id)
    assert (stored.email_status, stored.sms_status) == ("subscribed", "opted_out")
    assert not suppressions.is_suppressed(session=session, channel="email", address="u@example.com")
    assert suppressions.is_suppressed(session=session, channel="sms", address="(415) 555-0100")


def test_unsubscribe_from_a_channel_without_address_is_refused(session):
    contact = create(session, email="only-email@example.com")
    with pytest.raises(ValidationFailed, match="no phone number"):
        subscriptions.unsubscribe(source=MARKETER, session=session, contact_id=contact.id, channel="sms")
    with pytest.raises(ValidationFailed, match="Unknown channel"):
        subscriptions.unsubscribe(source=MARKETER, session=session, contact_id=contact.id, channel="fax")


def test_suppressions_normalise_addresses_and_list_by_channel(session):
    suppressions.add_suppression(
        session=session, channel="email", address="Bounce@Example.com", reason="bounced", source="resend"
    )
    suppressions.add_suppression(session=session, channel="email", address="bounce@example.com", reason="x")
    suppressions.add_suppression(session=session, channel="sms", address="415-555-0100", reason="stop")

    emails = suppressions.list_suppressions(session=session, channel="email")
    assert [(s.address, s.reason, s.source) for s in emails] == [("bounce@example.com", "bounced", "resend")]
    assert suppressions.is_suppressed(session=session, channel="sms", address="+1 415 555 0100")
    assert not suppressions.is_suppressed(session=session, channel="sms", address="not a number")

    assert suppressions.remove_suppression(session=session, channel="email", address="BOUNCE@example.com")
    assert not suppressions.remove_suppression(session=session, channel="email", address="bounce@example.com")
    assert len(suppressions.list_suppressions(session=session)) == 1
