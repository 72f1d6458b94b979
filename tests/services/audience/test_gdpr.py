"""GDPR export and erasure of one contact, and an erased address coming back in an import."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from campaign_dashboard.models import (
    Channel,
    ConsentEntry,
    Contact,
    DeadLetterEvent,
    EmailCampaign,
    EmailCampaignRecipient,
    EmailEvent,
    InboundEmail,
    SentEmail,
    SmsCampaignRecipient,
    SmsEvent,
    Suppression,
    utcnow,
)
from campaign_dashboard.services.audience import (
    consent_rules,
    contacts,
    erasure,
    personal_data,
    subscriptions,
    tombstones,
)
from campaign_dashboard.services.audience.contacts import ContactCreate
from campaign_dashboard.services.audience.csv_import import import_contacts_csv
from campaign_dashboard.services.errors import Conflict, NotFound, ValidationFailed
from campaign_dashboard.services.events.inbound import InboundSmsIn, apply_inbound_sms
from tests.factories import make_email_campaign, make_sms_campaign
from tests.helpers.consent import IMPORT, MARKETER

ADA = "ada@example.com"
ADA_PHONE = "+14155552671"


def add(session, *rows):
    session.add_all(rows)
    session.commit()
    return rows


def ada_with_history(session):
    """Ada, created through the service (so she has ledger entries), sent one email and one text,
    with their events, a reply and an unsubscribe; and Bob, who must come out untouched."""
    now = utcnow()
    ada = contacts.create_contact(
        session=session,
        data=ContactCreate(email=ADA, phone=ADA_PHONE, first_name="Ada", last_name="Lovelace", tags=["vip"]),
        source=MARKETER,
    )
    bob = contacts.create_contact(session=session, data=ContactCreate(email="bob@example.com"), source=MARKETER)
    spring = make_email_campaign(session, name="Spring sale", status="sent", recipients=2, sent=2, opened=1)
    flash = make_sms_campaign(session, name="Flash SMS", status="sent", recipients=1, sent=1)
    ada_mail, bob_mail = add(
        session,
        EmailCampaignRecipient(campaign_id=spring.id, contact_id=ada.id, address=ADA, status="opened", sent_at=now),
        EmailCampaignRecipient(campaign_id=spring.id, contact_id=bob.id, address="bob@example.com", status="sent"),
    )
    (ada_sms,) = add(
        session,
        SmsCampaignRecipient(
            campaign_id=flash.id, contact_id=ada.id, address=ADA_PHONE, status="delivered", sent_at=now
        ),
    )
    ada_sent, bob_sent = add(
        session,
        SentEmail(
            campaign_id=spring.id,
            recipient_id=ada_mail.id,
            contact_id=ada.id,
            provider_message_id="m-ada",
            to_address=ADA,
            subject="Hello Ada",
            open_count=1,
        ),
        SentEmail(
            campaign_id=spring.id,
            recipient_id=bob_mail.id,
            contact_id=bob.id,
            provider_message_id="m-bob",
            to_address="bob@example.com",
            subject="Hello Bob",
        ),
    )
    add(
        session,
        EmailEvent(
            provider_event_id="e-ada-open",
            type="email.opened",
            campaign_id=spring.id,
            recipient_id=ada_mail.id,
            sent_email_id=ada_sent.id,
            provider_message_id="m-ada",
            payload={"data": {"to": [ADA]}},
            occurred_at=now - timedelta(minutes=5),
        ),
        EmailEvent(
            provider_event_id="e-bob-delivered",
            type="email.delivered",
            campaign_id=spring.id,
            recipient_id=bob_mail.id,
            sent_email_id=bob_sent.id,
            payload={"data": {"to": ["bob@example.com"]}},
        ),
        SmsEvent(
            provider_event_id="s-ada-delivered",
            type="delivered",
            campaign_id=flash.id,
            recipient_id=ada_sms.id,
            payload={"To": ADA_PHONE},
        ),
        InboundEmail(
            provider_id="in-1",
            sent_email_id=ada_sent.id,
            campaign_id=spring.id,
            contact_id=ada.id,
            from_address=ADA,
            subject="Re: Hello Ada",
            text="Please call me on my mobile",
        ),
    )
    # Ada texts STOP through the real inbound path: the ledger keeps her phone as client address,
    # the keyword as evidence, and the event its payload.
    stop = InboundSmsIn(
        message_sid="SM-ada-stop",
        from_number=ADA_PHONE,
        to_number="+15005550006",
        body="STOP",
        payload={"From": ADA_PHONE},
    )
    apply_inbound_sms(session=session, sms=stop)
    add(
        session,
        DeadLetterEvent(provider="resend", provider_event_id="dl-1", reason="unknown message", payload={"to": ADA}),
    )
    return ada, bob, spring


def test_the_export_holds_the_contact_its_ledger_messages_events_and_replies(session):
    ada, _bob, _ = ada_with_history(session)

    data = json.loads(personal_data.export_json(session=session, contact=ada))

    assert data["contact"]["email"] == ADA and data["contact"]["tags"] == ["vip"]
    assert [(e["channel"], e["event"]) for e in data["consent"]] == [
        ("email", "opted_in"),
        ("sms", "opted_in"),
        ("sms", "opted_out"),
    ]
    assert [(s["channel"], s["address"]) for s in data["suppressions"]] == [("sms", ADA_PHONE)]
    (email,) = data["emails"]
    assert email["campaign"] == "Spring sale"
    assert email["message"]["subject"] == "Hello Ada"
    assert [e["type"] for e in email["events"]] == ["email.opened"]
    (text,) = data["texts"]
    assert text["campaign"] == "Flash SMS" and [e["type"] for e in text["events"]] == ["delivered", "opt_out"]
    assert data["consent"][-1]["evidence"]["keyword"] == "STOP"
    assert [r["text"] for r in data["replies"]] == ["Please call me on my mobile"]
    assert "bob@example.com" not in json.dumps(data)


def test_a_contact_is_found_by_email_or_phone(session):
    ada, _bob, _ = ada_with_history(session)
    assert personal_data.find_person(session=session, email=" ADA@example.com").id == ada.id
    assert personal_data.find_person(session=session, phone="(415) 555-2671").id == ada.id
    with pytest.raises(NotFound):
        personal_data.find_person(session=session, email="nobody@example.com")
    with pytest.raises(ValidationFailed) as bad:
        personal_data.find_person(session=session, phone="12")
    assert bad.value.details[0]["field"] == "phone"
    contacts.create_contact(session=session, data=ContactCreate(phone=ADA_PHONE), source=MARKETER)
    with pytest.raises(Conflict):
        personal_data.find_person(session=session, phone=ADA_PHONE)


def test_an_erasure_leaves_counters_and_tombstones_but_no_personal_field(session):
    ada, bob, spring = ada_with_history(session)
    ada_id = ada.id

    done = erasure.erase_contact(session=session, contact=ada)

    assert (done.messages, done.texts, done.events, done.replies, done.consent_entries) == (1, 1, 4, 1, 3)
    session.expire_all()
    assert session.get(Contact, ada_id) is None
    everything = _dump(session)
    for personal in (ADA, ADA_PHONE, "Lovelace", "Hello Ada", "Please call me"):
        assert personal not in everything
    assert "bob@example.com" in everything and "Hello Bob" in everything  # Bob is untouched
    campaign = session.get(EmailCampaign, spring.id)
    assert (campaign.recipients, campaign.sent, campaign.opened) == (2, 2, 1)
    sent = session.exec(select(SentEmail).where(col(SentEmail.provider_message_id) == "m-ada")).one()
    assert (sent.open_count, sent.contact_id) == (1, None)
    assert sent.to_address == tombstones.marker("email", ADA)
    entries = session.exec(select(ConsentEntry).order_by(col(ConsentEntry.id))).all()
    assert [(e.channel, e.event) for e in entries if e.address.startswith("erased:")] == [
        ("email", "opted_in"),
        ("sms", "opted_in"),
        ("sms", "opted_out"),
    ]
    assert {(s.channel, s.reason) for s in session.exec(select(Suppression)).all()} == {
        ("email", "erased"),
        ("sms", "erased"),
    }
    assert bob.id is not None and session.get(Contact, bob.id) is not None


def test_a_shared_phone_stays_the_other_contacts(session):
    """Erasing Ada must not erase what Carol, who shares her phone, consented to or was sent."""
    carol = contacts.create_contact(session=session, data=ContactCreate(phone=ADA_PHONE), source=MARKETER)
    ada, _bob, _ = ada_with_history(session)  # her STOP opts Carol out too: it is the phone's
    flash = make_sms_campaign(session, name="Carol's SMS", status="sent")
    add(session, SmsCampaignRecipient(campaign_id=flash.id, contact_id=carol.id, address=ADA_PHONE, status="sent"))

    erasure.erase_contact(session=session, contact=ada)

    session.expire_all()
    assert [
        (e.channel, e.event)
        for e in session.exec(
            select(ConsentEntry).where(ConsentEntry.contact_id == carol.id).order_by(col(ConsentEntry.id))
        )
    ] == [("sms", "opted_in"), ("sms", "opted_out")]
    carols = session.exec(select(SmsCampaignRecipient).where(SmsCampaignRecipient.contact_id == carol.id)).one()
    assert carols.address == ADA_PHONE
    assert session.exec(select(Suppression).where(Suppression.address == ADA_PHONE)).first() is not None


def test_an_erased_address_that_comes_back_stays_unsubscribed(session):
    ada, _bob, _ = ada_with_history(session)
    erasure.erase_contact(session=session, contact=ada)

    result = import_contacts_csv(
        session=session,
        data=f"email,phone,first_name\n{ADA},{ADA_PHONE},Ada\nnew@example.com,,New\n".encode(),
        source=IMPORT,
    )

    assert (result.imported, result.kept_unsubscribed) == (2, 1)
    back = contacts.find_contact_by_email(session=session, email=ADA)
    assert (back.email_status, back.sms_status) == ("unsubscribed", "opted_out")
    assert contacts.find_contact_by_email(session=session, email="new@example.com").email_status == "subscribed"
    erasure.erase_contact(session=session, contact=back)  # erased again: one tombstone per address still
    assert session.exec(select(func.count()).select_from(Suppression)).one() == 2
    again = contacts.create_contact(session=session, data=ContactCreate(email=ADA), source=MARKETER)
    assert again.email_status == "unsubscribed"


def test_an_erased_address_given_to_another_contact_keeps_it_unsubscribed_and_staff_cannot_resubscribe(session):
    ada, bob, _ = ada_with_history(session)
    erasure.erase_contact(session=session, contact=ada)

    moved = contacts.update_contact(
        session=session, contact_id=bob.id, data=contacts.ContactUpdate(email=ADA, phone=ADA_PHONE)
    )
    assert (moved.email_status, moved.sms_status) == ("unsubscribed", "opted_out")

    for channel in ("email", "sms"):
        with pytest.raises(Conflict) as refused:
            subscriptions.resubscribe(session=session, contact_id=bob.id, channel=channel, source=MARKETER)
        assert "erase their data (GDPR)" in refused.value.message and "only the person" in refused.value.message
    session.expire_all()
    assert (session.get(Contact, bob.id).email_status, session.get(Contact, bob.id).sms_status) == (
        "unsubscribed",
        "opted_out",
    )
    assert consent_rules.address_blocks(session=session, channel=Channel.EMAIL, address=ADA)[0].source == "gdpr_erasure"

    # a changed address that nobody erased or opted out leaves the contact as it was
    fresh = contacts.create_contact(session=session, data=ContactCreate(email="fresh@example.com"), source=MARKETER)
    renamed = contacts.update_contact(
        session=session, contact_id=fresh.id, data=contacts.ContactUpdate(email="fresh2@example.com")
    )
    assert renamed.email_status == "subscribed"


def _dump(session) -> str:
    """Every row of the tables an erasure touches, as text."""
    tables = (Contact, ConsentEntry, Suppression, EmailCampaignRecipient, SmsCampaignRecipient, SentEmail)
    rows = [row.model_dump() for table in tables for row in session.exec(select(table)).all()]
    rows += [
        row.model_dump()
        for table in (EmailEvent, SmsEvent, InboundEmail, DeadLetterEvent)
        for row in session.exec(select(table))
    ]
    return json.dumps(rows, default=str)


def test_the_topics_a_contact_left_are_exported_and_erased_with_it(session):
    from campaign_dashboard.models import Topic, TopicOptOut

    ada, bob, _ = ada_with_history(session)
    offers = Topic(name="Offers")
    session.add(offers)
    session.commit()
    session.add_all(
        [
            TopicOptOut(topic_id=offers.id, channel="email", contact_id=ada.id),
            TopicOptOut(topic_id=offers.id, channel="sms", contact_id=ada.id),
            TopicOptOut(topic_id=offers.id, channel="email", contact_id=bob.id),
        ]
    )
    session.commit()

    data = json.loads(personal_data.export_json(session=session, contact=ada))
    assert [(t["topic"], t["channel"]) for t in data["contact"]["topics_left"]] == [
        ("Offers", "email"),
        ("Offers", "sms"),
    ]
    erasure.erase_contact(session=session, contact=ada)
    session.expire_all()
    assert session.exec(select(TopicOptOut.contact_id)).all() == [bob.id]  # Bob's choice stays
