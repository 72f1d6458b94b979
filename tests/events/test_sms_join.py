"""SMS sign-up by keyword through the signed Twilio webhook: JOIN subscribes the number that texted
it (a new contact for an unknown number), writes a `keyword` ledger entry, and is always answered
with the confirmation carriers ask for; after a STOP it changes nothing and says to send START."""

from __future__ import annotations

from xml.etree import ElementTree

from sqlmodel import col, select

from campaign_dashboard.models import ConsentEntry, Contact, SmsEvent, Suppression
from campaign_dashboard.services.audience import opt_outs, tombstones
from campaign_dashboard.services.events.sms_join import JOINED_REPLY, STOPPED_REPLY
from tests.factories import make_contact
from tests.helpers.events import post_twilio

PHONE = "+14155550123"


def text(client, body: str, sid: str, phone: str = PHONE):
    params = {
        "AccountSid": "AC00000000000000000000000000000000",
        "MessageSid": sid,
        "SmsSid": sid,
        "From": phone,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }
    return post_twilio(client, "/webhooks/twilio/inbound", params)


def reply(answer) -> list[str]:
    """The texts the TwiML answer sends back."""
    return [m.text or "" for m in ElementTree.fromstring(answer.text).iter("Message")]


def entries(session) -> list[tuple[int | None, str, str, str]]:
    session.expire_all()
    rows = session.exec(select(ConsentEntry).order_by(col(ConsentEntry.id))).all()
    return [(e.contact_id, e.channel, e.event, e.source) for e in rows]


def test_join_from_an_unknown_number_creates_a_subscribed_contact_and_confirms(client, session):
    answer = text(client, " Join! ", "SMj1")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/xml")
    assert reply(answer) == [JOINED_REPLY]  # sent although Twilio answers its own keywords
    assert "STOP" in JOINED_REPLY and "HELP" in JOINED_REPLY and "rates may apply" in JOINED_REPLY
    contact = session.exec(select(Contact).where(Contact.phone == PHONE)).one()
    assert contact.sms_status == "subscribed" and contact.email is None
    assert entries(session) == [(contact.id, "sms", "opted_in", "keyword")]
    entry = session.exec(select(ConsentEntry)).one()
    assert entry.evidence == {"keyword": "Join!", "message_sid": "SMj1"} and entry.client_address == PHONE

    replay = text(client, "JOIN", "SMj1")
    assert reply(replay) == [JOINED_REPLY]
    again = text(client, "JOIN", "SMj2")  # already subscribed: answered, nothing more recorded
    assert reply(again) == [JOINED_REPLY]
    assert len(session.exec(select(Contact)).all()) == 1 and len(entries(session)) == 1
    assert session.exec(select(SmsEvent.type)).all() == ["join", "join"]


def test_join_lifts_the_numbers_own_unsubscribe_and_its_tombstone(client, session):
    contact = make_contact(session, phone=PHONE, sms_status="opted_out")
    opt_outs.suppress(
        session=session, channel="sms", address=PHONE, reason=opt_outs.SMS_OPT_OUT, source="unsubscribe_link"
    )
    tombstones.bury(session=session, channel="sms", address=PHONE)
    session.commit()

    assert reply(text(client, "join", "SMj3")) == [JOINED_REPLY]
    session.expire_all()
    assert session.get(Contact, contact.id).sms_status == "subscribed"
    assert session.exec(select(Suppression)).all() == []
    assert entries(session) == [(contact.id, "sms", "resubscribed", "keyword")]


def test_join_after_stop_changes_nothing_and_asks_for_start(client, session):
    contact = make_contact(session, phone=PHONE)
    session.commit()
    text(client, "STOP", "SMs1")
    before = entries(session)

    answer = text(client, "JOIN", "SMj4")
    assert reply(answer) == [STOPPED_REPLY]
    session.expire_all()
    assert session.get(Contact, contact.id).sms_status == "opted_out"
    assert entries(session) == before

    text(client, "START", "SMs2")
    session.expire_all()
    assert session.get(Contact, contact.id).sms_status == "subscribed"
