"""Issue 10: what Resend and Twilio really send is accepted.

- Every Resend webhook event type (the official SDK's list, vendored in
  tests/contracts/resend_webhook_event_types.json) is acknowledged with 200: Resend retries any
  other answer for about a day and then disables the endpoint. Types we do not use store nothing.
- `suppression.added` suppresses the address here too.
- Every Twilio MessageStatus of the spec (tests/contracts/twilio_message_status.json) is accepted.
- Twilio's opt-in keywords include YES; Advanced Opt-Out's `OptOutType` decides before keywords;
  Twilio answers keywords itself, so our TwiML stays empty unless TWILIO_HANDLES_KEYWORDS=false.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlmodel import select

from campaign_dashboard.models import (
    Contact,
    DeadLetterEvent,
    EmailEvent,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsEvent,
    Suppression,
)
from tests.factories import make_contact, random_email, random_phone
from tests.helpers.events import (
    make_sent_email,
    make_sms_recipient,
    post_resend,
    post_twilio,
    resend_event,
)

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
RESEND_TYPES = json.loads((CONTRACTS / "resend_webhook_event_types.json").read_text())["webhook_event_types"]
TWILIO_STATUSES = json.loads((CONTRACTS / "twilio_message_status.json").read_text())["message_enum_status"]["enum"]
USED_TYPES = {
    "email.sent",
    "email.delivered",
    "email.delivery_delayed",
    "email.opened",
    "email.clicked",
    "email.bounced",
    "email.complained",
    "email.failed",
    "email.suppressed",
    "email.received",
    "suppression.added",
}


def suppression_added(address: str, origin: str) -> dict:
    """Shaped like the SDK's `SuppressionEventData` (id, email, origin, source_id, created_at)."""
    return {
        "type": "suppression.added",
        "created_at": "2026-11-30T05:00:00.000Z",
        "data": {
            "id": str(uuid.uuid4()),
            "email": address,
            "origin": origin,
            "source_id": None if origin == "manual" else str(uuid.uuid4()),
            "created_at": "2026-11-30T05:00:00.000Z",
        },
    }


def stored_rows(session) -> int:
    session.expire_all()
    return sum(len(session.exec(select(table)).all()) for table in (EmailEvent, DeadLetterEvent, Suppression))


@pytest.mark.parametrize("kind", sorted(set(RESEND_TYPES) - USED_TYPES) + ["email.teleported", "billing.future"])
def test_every_resend_event_type_we_do_not_use_is_acknowledged_and_stores_nothing(kind, client, session):
    data = {
        "id": str(uuid.uuid4()),
        "email": random_email(),
        "object": kind.split(".")[0],
        "created_at": "2026-11-30T05:00:00.000Z",
    }
    response = post_resend(client, {"type": kind, "created_at": "2026-11-30T05:00:00.000Z", "data": data})
    assert (response.status_code, response.json()["status"]) == (200, "ignored")
    assert stored_rows(session) == 0


@pytest.mark.parametrize("kind", sorted(USED_TYPES - {"email.received", "suppression.added"}))
def test_every_resend_email_event_we_use_is_applied(kind, client, session):
    response = post_resend(client, resend_event(kind, make_sent_email(session)))
    assert (response.status_code, response.json()["status"]) == (200, "applied")


@pytest.mark.parametrize(
    ("origin", "reason", "status"),
    [
        ("bounce", "hard_bounce", "bounced"),
        ("complaint", "complaint", "complained"),
        ("manual", "provider_suppressed", "subscribed"),
    ],
)
def test_resend_suppression_added_suppresses_here_too(origin, reason, status, client, session):
    contact = make_contact(session, email=random_email())
    payload = suppression_added(contact.email.upper(), origin)
    response = post_resend(client, payload)
    assert (response.status_code, response.json()["status"]) == (200, "applied")
    session.expire_all()
    suppression = session.exec(select(Suppression)).one()
    assert (suppression.channel, suppression.address, suppression.reason) == ("email", contact.email, reason)
    assert suppression.source == f"resend:{payload['data']['id']}"
    assert session.get(Contact, contact.id).email_status == status
    replay = post_resend(client, payload)
    assert (replay.status_code, replay.json()["status"]) == (200, "duplicate")
    assert len(session.exec(select(Suppression)).all()) == 1


def test_resend_suppression_removed_is_acknowledged_and_lifts_nothing(client, session):
    address = random_email()
    post_resend(client, suppression_added(address, "manual"))
    removed = suppression_added(address, "manual") | {"type": "suppression.removed"}
    response = post_resend(client, removed)
    assert (response.status_code, response.json()["status"]) == (200, "ignored")
    session.expire_all()
    assert session.exec(select(Suppression.address)).all() == [address]


# ------------------------------------------------------------------------------------ Twilio


@pytest.mark.parametrize("status", TWILIO_STATUSES)
def test_every_twilio_message_status_of_the_spec_is_accepted(status, client, session):
    recipient = make_sms_recipient(session)
    params = {"MessageSid": recipient.provider_message_id, "MessageStatus": status, "To": recipient.address}
    response = post_twilio(
        client, f"/webhooks/twilio/status?campaign={recipient.campaign_id}&recipient={recipient.id}", params
    )
    assert (response.status_code, response.json()["status"]) == (200, "applied")
    assert session.exec(select(SmsEvent.type)).all() == [status]


def test_partially_delivered_does_not_move_the_recipient(client, session):
    recipient = make_sms_recipient(session)
    params = {"MessageSid": recipient.provider_message_id, "MessageStatus": "partially_delivered"}
    assert post_twilio(client, "/webhooks/twilio/status", params).status_code == 200
    session.expire_all()
    assert session.get(SmsCampaignRecipient, recipient.id).status == "sent"
    assert session.get(SmsCampaign, recipient.campaign_id).delivered == 0


def inbound(phone: str, body: str, **extra) -> dict[str, str]:
    return {"MessageSid": "SM" + uuid.uuid4().hex, "From": phone, "To": "+15005550006", "Body": body, **extra}


def sms_status(session, contact) -> str:
    session.expire_all()
    return session.get(Contact, contact.id).sms_status


def test_yes_opts_back_in_like_start_and_unstop(client, session):
    contact = make_contact(session, phone=random_phone())
    for word in ("YES", "Unstop", "start"):
        post_twilio(client, "/webhooks/twilio/inbound", inbound(contact.phone, "STOP"))
        assert sms_status(session, contact) == "opted_out"
        assert post_twilio(client, "/webhooks/twilio/inbound", inbound(contact.phone, word)).status_code == 200
        assert sms_status(session, contact) == "subscribed", word
    assert session.exec(select(Suppression)).all() == []


def test_advanced_opt_out_type_decides_before_keywords(client, session):
    contact = make_contact(session, phone=random_phone())
    post_twilio(client, "/webhooks/twilio/inbound", inbound(contact.phone, "ARRET", OptOutType="STOP"))
    assert sms_status(session, contact) == "opted_out"
    assert session.exec(select(Suppression.address)).all() == [contact.phone]
    post_twilio(client, "/webhooks/twilio/inbound", inbound(contact.phone, "stop bitte", OptOutType="START"))
    assert sms_status(session, contact) == "subscribed"
    post_twilio(client, "/webhooks/twilio/inbound", inbound(contact.phone, "STOP", OptOutType="HELP"))
    assert sms_status(session, contact) == "subscribed"


def test_twilio_answers_keywords_itself_so_our_twiml_stays_empty(client, session):
    contact = make_contact(session, phone=random_phone())
    for body, extra in (("STOP", {}), ("START", {}), ("HELP", {}), ("ARRET", {"OptOutType": "STOP"})):
        response = post_twilio(client, "/webhooks/twilio/inbound", inbound(contact.phone, body, **extra))
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
        assert "<Message>" not in response.text, body


def test_with_twilios_keyword_handling_off_we_answer(client, session, monkeypatch):
    from campaign_dashboard.config import get_settings

    monkeypatch.setenv("TWILIO_HANDLES_KEYWORDS", "false")
    get_settings.cache_clear()
    contact = make_contact(session, phone=random_phone())
    stop = post_twilio(client, "/webhooks/twilio/inbound", inbound(contact.phone, "ARRET", OptOutType="STOP"))
    assert "<Message>" in stop.text and "unsubscribed" in stop.text
    chat = post_twilio(client, "/webhooks/twilio/inbound", inbound(contact.phone, "thanks"))
    assert "<Message>" not in chat.text
