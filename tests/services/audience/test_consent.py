"""The consent ledger and the rules that protect the sender, end to end through the services that
change a permission: each change writes one entry with its source, and the rules refuse what only
the contact (or an admin) may lift."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from campaign_dashboard.models import ConsentEntry, Contact, utcnow
from campaign_dashboard.services.audience import consent, contacts, subscriptions, suppressions
from campaign_dashboard.services.audience.consent import ConsentSource, SourceKind
from campaign_dashboard.services.audience.contacts import ContactCreate
from campaign_dashboard.services.audience.csv_import import import_contacts_csv
from campaign_dashboard.services.audience.opt_outs import ProviderSuppressionIn, apply_provider_suppression
from campaign_dashboard.services.errors import Conflict, ValidationFailed
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType, apply_email_event
from campaign_dashboard.services.events.inbound import InboundSmsIn, apply_inbound_sms
from campaign_dashboard.services.events.unsubscribe import apply_unsubscribe, make_unsubscribe_token
from tests.factories import make_contact, random_phone
from tests.helpers.consent import ADMIN, IMPORT, MARKETER, changes, ledger
from tests.helpers.events import make_sent_email

SECRET = "consent-tests-secret-key-0123456789abcdef"


def text(session: Session, phone: str, body: str, sid: str, **payload: str) -> None:
    sms = InboundSmsIn(message_sid=sid, from_number=phone, to_number="+15005550006", body=body, payload=payload)
    apply_inbound_sms(session=session, sms=sms)


def email_event(session: Session, sent, kind: EmailEventType, event_id: str, *, hard: bool = False) -> None:
    event = EmailEventIn(
        provider_event_id=event_id,
        type=kind,
        provider_message_id=sent.provider_message_id,
        occurred_at=utcnow(),
        hard_bounce=hard,
    )
    apply_email_event(session=session, event=event)


def stored(session: Session, contact_id: int) -> Contact:
    session.expire_all()
    contact = session.get(Contact, contact_id)
    assert contact is not None
    return contact


def test_the_database_refuses_to_change_a_ledger_entry_but_allows_erasing_it(session):
    contact = contacts.create_contact(session=session, data=ContactCreate(email="kept@example.com"), source=MARKETER)
    [entry] = ledger(session, contact.id)
    assert (entry.event, entry.source, entry.address) == ("opted_in", "api", "kept@example.com")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.execute(sa.update(ConsentEntry).values(event="opted_out"))
        session.commit()
    session.rollback()
    assert ledger(session, contact.id)[0].event == "opted_in"
    session.execute(sa.delete(ConsentEntry).where(ConsentEntry.id == entry.id))  # a GDPR erasure deletes
    session.commit()
    assert ledger(session, contact.id) == []


def test_a_stop_is_lifted_only_by_start_from_the_phone(session):
    phone = random_phone()
    contact = make_contact(session, phone=phone)
    text(session, phone, "Stop", "SM-stop-1")

    with pytest.raises(Conflict, match="texted STOP .*START, UNSTOP or YES"):
        subscriptions.resubscribe(session=session, contact_id=contact.id, channel="sms", source=MARKETER)
    with pytest.raises(Conflict, match="texted STOP"):  # an admin neither
        subscriptions.resubscribe(session=session, contact_id=contact.id, channel="sms", source=ADMIN, reason="asked")
    assert stored(session, contact.id).sms_status == "opted_out"

    text(session, phone, "UNSTOP", "SM-start-1")
    assert stored(session, contact.id).sms_status == "subscribed"
    assert not suppressions.is_suppressed(session=session, channel="sms", address=phone)
    stop, start = ledger(session, contact.id)
    assert (stop.event, stop.source, stop.client_address) == ("opted_out", "keyword", phone)
    assert stop.evidence == {"keyword": "Stop", "message_sid": "SM-stop-1"}
    assert (start.event, start.source, start.evidence["keyword"]) == ("resubscribed", "keyword", "UNSTOP")


def test_twilio_advanced_opt_out_is_its_own_source(session):
    phone = random_phone()
    contact = make_contact(session, phone=phone)
    text(session, phone, "arrêtez", "SM-adv-1", OptOutType="STOP")
    [entry] = ledger(session, contact.id)
    assert (entry.event, entry.source, entry.evidence["opt_out_type"]) == (
        "opted_out",
        "twilio_advanced_opt_out",
        "STOP",
    )


def test_a_complaint_blocks_email_and_an_import_keeps_it_suppressed(session):
    sent = make_sent_email(session)
    email_event(session, sent, EmailEventType.COMPLAINED, "evt-complaint-1")
    contact_id = sent.contact_id

    for source in (MARKETER, ADMIN):
        with pytest.raises(Conflict, match="marked a campaign email as spam.*double opt-in"):
            subscriptions.resubscribe(
                session=session, contact_id=contact_id, channel="email", source=source, reason="they asked"
            )
    [complaint] = ledger(session, contact_id)
    assert (complaint.event, complaint.source, complaint.evidence["provider_event_id"]) == (
        "opted_out",
        "complaint",
        "evt-complaint-1",
    )

    result = import_contacts_csv(
        session=session, data=f"email,first_name\n{sent.to_address},Again\n".encode(), source=IMPORT
    )
    assert (result.updated, result.kept_unsubscribed) == (1, 1)
    assert stored(session, contact_id).email_status == "complained"
    assert len(ledger(session, contact_id)) == 1  # the import gave no consent

    contacts.delete_contact(session=session, contact_id=contact_id)  # gone, but the address stays suppressed
    result = import_contacts_csv(session=session, data=f"email\n{sent.to_address}\n".encode(), source=IMPORT)
    assert (result.imported, result.kept_unsubscribed) == (1, 1)
    again = contacts.find_contact_by_email(session=session, email=sent.to_address)
    assert again.email_status == "complained"
    assert consent.list_entries(session=session, contact=again).items == []  # not even an id reused by SQLite


def test_a_hard_bounce_is_lifted_by_an_admin_with_a_reason(session):
    sent = make_sent_email(session)
    email_event(session, sent, EmailEventType.BOUNCED, "evt-bounce-1", hard=True)
    with pytest.raises(Conflict, match="only be lifted by an admin"):
        subscriptions.resubscribe(session=session, contact_id=sent.contact_id, channel="email", source=MARKETER)
    with pytest.raises(ValidationFailed, match="reason is required"):
        subscriptions.resubscribe(
            session=session, contact_id=sent.contact_id, channel="email", source=ADMIN, reason=" "
        )

    subscriptions.resubscribe(
        session=session, contact_id=sent.contact_id, channel="email", source=ADMIN, reason="mailbox fixed"
    )
    assert stored(session, sent.contact_id).email_status == "subscribed"
    assert changes(session, sent.contact_id) == [("email", "suppressed", "bounce"), ("email", "unsuppressed", "api")]
    assert ledger(session, sent.contact_id)[-1].evidence == {"reason": "mailbox fixed"}


def test_staff_may_undo_their_own_unsubscribe(session):
    contact = make_contact(session, phone=random_phone())
    subscriptions.unsubscribe(session=session, contact_id=contact.id, channel="sms", source=MARKETER)
    subscriptions.unsubscribe(session=session, contact_id=contact.id, channel="sms", source=MARKETER)  # no change
    subscriptions.resubscribe(session=session, contact_id=contact.id, channel="sms", source=MARKETER)
    assert stored(session, contact.id).sms_status == "subscribed"
    assert changes(session, contact.id) == [("sms", "opted_out", "api"), ("sms", "resubscribed", "api")]


def test_a_one_click_unsubscribe_is_lifted_only_by_the_contact(session):
    contact = make_contact(session)
    token = make_unsubscribe_token(contact_id=contact.id, channel="email", campaign_id=None, secret_key=SECRET)
    apply_unsubscribe(session=session, token=token, secret_key=SECRET, client_address="198.51.100.7")
    with pytest.raises(Conflict, match="unsubscribed with the link.*Only the contact"):
        subscriptions.resubscribe(session=session, contact_id=contact.id, channel="email", source=MARKETER)
    [entry] = ledger(session, contact.id)
    assert (entry.event, entry.source, entry.client_address) == ("opted_out", "one_click_unsubscribe", "198.51.100.7")
    assert len(entry.evidence["link_token"]) == 16


def test_the_unsubscribe_link_works_every_time_it_is_followed(session):
    phone = random_phone()
    contact = make_contact(session, phone=phone)
    token = make_unsubscribe_token(contact_id=contact.id, channel="sms", campaign_id=None, secret_key=SECRET)

    assert apply_unsubscribe(session=session, token=token, secret_key=SECRET) == "unsubscribed"
    text(session, phone, "START", "SM-start-2")  # the contact opts in again
    assert stored(session, contact.id).sms_status == "subscribed"
    assert apply_unsubscribe(session=session, token=token, secret_key=SECRET) == "unsubscribed"  # the same link
    assert stored(session, contact.id).sms_status == "opted_out"
    assert suppressions.is_suppressed(session=session, channel="sms", address=phone)
    assert apply_unsubscribe(session=session, token=token, secret_key=SECRET) == "already_unsubscribed"
    assert changes(session, contact.id) == [
        ("sms", "opted_out", "one_click_unsubscribe"),
        ("sms", "resubscribed", "keyword"),
        ("sms", "opted_out", "one_click_unsubscribe"),
    ]


def test_each_change_point_writes_one_entry_with_its_source(session):
    imported = import_contacts_csv(session=session, data=b"email,phone\nnew@example.com,+14155550142\n", source=IMPORT)
    assert imported.imported == 1
    new = contacts.find_contact_by_email(session=session, email="new@example.com")
    assert changes(session, new.id) == [("email", "opted_in", "csv_import"), ("sms", "opted_in", "csv_import")]
    assert ledger(session, new.id)[0].source_detail == "contacts.csv, by tests"

    sent = make_sent_email(session)
    email_event(session, sent, EmailEventType.SUPPRESSED, "evt-supp-1")
    email_event(session, sent, EmailEventType.SUPPRESSED, "evt-supp-1")  # a replay
    assert changes(session, sent.contact_id) == [("email", "suppressed", "provider_suppression")]

    other = make_contact(session)
    for _ in range(2):  # the second delivery of the event changes nothing
        apply_provider_suppression(
            session=session,
            event=ProviderSuppressionIn(provider_event_id="evt-sa-1", address=other.email.upper(), origin="bounce"),
        )
    assert changes(session, other.id) == [("email", "suppressed", "bounce")]

    user = ConsentSource(SourceKind.DASHBOARD, "user 1 (ann@example.com)", role="marketer")
    subscriptions.unsubscribe(session=session, contact_id=new.id, channel="email", source=user)
    assert ledger(session, new.id)[-1].source_detail == "user 1 (ann@example.com)"
    assert len(ledger(session, new.id)) == 3
