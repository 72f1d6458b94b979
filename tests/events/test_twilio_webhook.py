"""Twilio callbacks over HTTP: signed status updates and inbound STOP/START/HELP."""

from __future__ import annotations

import pytest
from sqlmodel import select

from campaign_dashboard.models import (
    Contact,
    DeadLetterEvent,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsEvent,
    Suppression,
)
from tests.factories import make_contact, random_phone
from tests.helpers.events import BASE_URL, make_sms_recipient, post_twilio, status_params


@pytest.fixture
def our_keyword_replies(client, monkeypatch):
    """Twilio's own STOP/START/HELP handling turned off: our TwiML answers instead."""
    from campaign_dashboard.config import get_settings

    monkeypatch.setenv("TWILIO_HANDLES_KEYWORDS", "false")
    get_settings.cache_clear()


def status_path(recipient) -> str:
    return f"/webhooks/twilio/status?campaign={recipient.campaign_id}&recipient={recipient.id}"


def inbound_params(phone: str, body: str, sid: str) -> dict[str, str]:
    return {
        "AccountSid": "AC00000000000000000000000000000000",
        "MessageSid": sid,
        "SmsSid": sid,
        "From": phone,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }


def test_status_callbacks_move_the_recipient_and_count_once(client, session):
    recipient = make_sms_recipient(session)
    for status in ("queued", "sent", "delivered", "delivered", "sent"):
        response = post_twilio(client, status_path(recipient), status_params(recipient, status))
        assert response.status_code == 200
    session.expire_all()
    assert session.get(SmsCampaignRecipient, recipient.id).status == "delivered"
    assert session.get(SmsCampaign, recipient.campaign_id).delivered == 1
    assert len(session.exec(select(SmsEvent)).all()) == 3  # queued, sent, delivered: replays ignored


def test_undelivered_with_error_code_fails_the_recipient(client, session):
    recipient = make_sms_recipient(session)
    post_twilio(client, status_path(recipient), status_params(recipient, "undelivered", ErrorCode="30003"))
    post_twilio(client, status_path(recipient), status_params(recipient, "failed", ErrorCode="30003"))
    session.expire_all()
    row = session.get(SmsCampaignRecipient, recipient.id)
    assert row.status == "failed" and "30003" in row.last_error
    assert session.get(SmsCampaign, recipient.campaign_id).failed == 1
    assert session.exec(select(SmsEvent.error_code)).all() == ["30003", "30003"]


def test_a_forged_or_misaddressed_signature_is_401_and_stores_nothing(client, session):
    recipient = make_sms_recipient(session)
    params = status_params(recipient, "delivered")
    assert post_twilio(client, status_path(recipient), params, token="wrong-token").status_code == 401
    # signed for another campaign's callback URL, replayed against this one
    other = f"/webhooks/twilio/status?campaign={recipient.campaign_id + 1}&recipient={recipient.id}"
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    from tests.helpers.events import TWILIO_TOKEN

    signature = RequestValidator(TWILIO_TOKEN).compute_signature(BASE_URL + other, params)
    response = client.post(
        status_path(recipient),
        content=urlencode(params),
        headers={"X-Twilio-Signature": signature, "content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
    params_tampered = {**params, "MessageStatus": "failed"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(BASE_URL + status_path(recipient), params)
    response = client.post(
        status_path(recipient),
        content=urlencode(params_tampered),
        headers={"X-Twilio-Signature": signature, "content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
    assert client.post("/webhooks/twilio/inbound", data={"From": "+1", "Body": "STOP"}).status_code == 401
    assert session.exec(select(SmsEvent)).all() == []


def test_an_unknown_status_is_422_and_an_unknown_sid_is_dead_lettered(client, session):
    recipient = make_sms_recipient(session)
    bad = post_twilio(client, status_path(recipient), status_params(recipient, "teleported"))
    assert bad.status_code == 422
    unknown = {**status_params(recipient, "delivered"), "MessageSid": "SMunknown", "SmsSid": "SMunknown"}
    response = post_twilio(client, "/webhooks/twilio/status", unknown)
    assert (response.status_code, response.json()["status"]) == (200, "dead_letter")
    assert post_twilio(client, "/webhooks/twilio/status", unknown).json()["status"] == "duplicate"
    assert session.exec(select(DeadLetterEvent.provider)).all() == ["twilio"]


def test_stop_opts_out_suppresses_and_answers_then_start_resubscribes(client, session, our_keyword_replies):
    recipient = make_sms_recipient(session)
    phone = recipient.address
    stop = post_twilio(client, "/webhooks/twilio/inbound", inbound_params(phone, " stop ", "SMin1"))
    assert stop.status_code == 200 and stop.headers["content-type"].startswith("application/xml")
    assert "unsubscribed" in stop.text and "<Response><Message>" in stop.text
    session.expire_all()
    contact = session.exec(select(Contact).where(Contact.phone == phone)).one()
    assert contact.sms_status == "opted_out"
    assert session.exec(select(Suppression.address, Suppression.channel)).all() == [(phone, "sms")]
    assert session.get(SmsCampaign, recipient.campaign_id).unsubscribed == 1

    replay = post_twilio(client, "/webhooks/twilio/inbound", inbound_params(phone, "STOP", "SMin1"))
    assert replay.status_code == 200
    again = post_twilio(client, "/webhooks/twilio/inbound", inbound_params(phone, "Unsubscribe", "SMin2"))
    assert again.status_code == 200
    session.expire_all()
    assert session.get(SmsCampaign, recipient.campaign_id).unsubscribed == 1

    start = post_twilio(client, "/webhooks/twilio/inbound", inbound_params(phone, "START", "SMin3"))
    assert "resubscribed" in start.text
    session.expire_all()
    assert session.exec(select(Contact.sms_status).where(Contact.phone == phone)).one() == "subscribed"
    assert session.exec(select(Suppression)).all() == []


def test_every_opt_out_keyword_works(client, session):
    for n, word in enumerate(["STOP", "UNSUBSCRIBE", "END", "QUIT", "STOPALL", "REVOKE", "OPTOUT", "CANCEL"]):
        contact = make_contact(session, phone=random_phone())
        post_twilio(client, "/webhooks/twilio/inbound", inbound_params(contact.phone, word.lower(), f"SMk{n}"))
        session.expire_all()
        assert session.get(Contact, contact.id).sms_status == "opted_out", word


def test_help_answers_with_help_text_and_other_texts_get_no_reply(client, session, our_keyword_replies):
    recipient = make_sms_recipient(session)
    help_ = post_twilio(client, "/webhooks/twilio/inbound", inbound_params(recipient.address, "HELP", "SMh1"))
    assert "Reply STOP" in help_.text
    chat = post_twilio(client, "/webhooks/twilio/inbound", inbound_params(recipient.address, "Thanks!", "SMh2"))
    assert chat.status_code == 200 and "<Message>" not in chat.text
    session.expire_all()
    assert session.get(SmsCampaign, recipient.campaign_id).replied == 1
    assert session.exec(select(Contact.sms_status).where(Contact.phone == recipient.address)).one() == "subscribed"


def test_stop_from_an_unknown_number_is_still_honoured(client, session):
    response = post_twilio(client, "/webhooks/twilio/inbound", inbound_params("+14155550000", "STOP", "SMu1"))
    assert response.status_code == 200
    assert session.exec(select(Suppression.address)).all() == ["+14155550000"]
    assert session.exec(select(SmsEvent.type, SmsEvent.campaign_id)).all() == [("opt_out", None)]
