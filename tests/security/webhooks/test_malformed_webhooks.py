"""Issue 9 §4: signed but malformed webhooks answered 500 (Resend retries a 5xx for days, then
disables the endpoint). Each case seen in the issue now answers without a 5xx and writes
nothing: Resend's with 200 "ignored" and the reason (it would retry anything else for a payload
we will never accept), Twilio's with a 4xx naming the field (Twilio does not retry webhooks)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from campaign_dashboard.models import (
    Contact,
    EmailEvent,
    SmsCampaignRecipient,
    SmsEvent,
)
from tests.factories import make_contact, random_phone
from tests.helpers.events import (
    make_sent_email,
    make_sms_recipient,
    post_resend,
    post_twilio,
    resend_event,
)
from tests.security.webhooks.snapshot import database_snapshot


def assert_ignored(response) -> None:
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ignored" and response.json()["reason"]


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("email.clicked", {"click": "https://example.com/offer"}),
        ("email.opened", {"open": "yesterday"}),
        ("email.bounced", {"bounce": ["Permanent"]}),
        ("email.failed", {"failed": 42}),
        ("email.suppressed", {"suppressed": True}),
        ("email.clicked", {"click": {"link": {"href": "https://example.com"}, "timestamp": "2026-01-01T00:00:00Z"}}),
        ("email.clicked", {"click": {"link": "https://example.com", "timestamp": "0001-01-01T00:00:00+14:00"}}),
        ("email.bounced", {"bounce": {"type": 5, "subType": "General", "message": "x"}}),
        ("email.delivered", {"email_id": 12345}),
        ("email.delivered", {"email_id": "x" * 1000}),
        # (the webhook is metadata only: in_reply_to and headers are never read from it any more)
        ("email.received", {"subject": 12345, "to": ["reply@in.example.com"]}),
        ("email.received", {"to": [{"address": "a@b.c"}]}),
        ("email.received", {"email_id": 42}),
        ("suppression.added", {"email": ["a@example.com"]}),
    ],
)
def test_a_field_of_the_wrong_type_is_acknowledged_and_writes_nothing(kind, data, client, session, engine):
    sent = make_sent_email(session)
    payload = resend_event(kind, sent)
    payload["data"].update(data)
    before = database_snapshot(engine)
    assert_ignored(post_resend(client, payload))
    assert database_snapshot(engine) == before


@pytest.mark.parametrize("created_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", 17, "soon"])
def test_an_impossible_timestamp_is_acknowledged_and_writes_nothing(created_at, client, session, engine):
    payload = resend_event("email.delivered", make_sent_email(session))
    payload["created_at"] = created_at
    before = database_snapshot(engine)
    assert_ignored(post_resend(client, payload))
    assert database_snapshot(engine) == before


@pytest.mark.parametrize(
    "body",
    [
        '{"type": "email.delivered", "data": {"email_id": "x", "deep": ' + "[" * 100_000 + "]" * 100_000 + "}}",
        '{"type": "email.delivered", "data": {"email_id": "x", "deep": ' + "[" * 40 + "]" * 40 + "}}",
        '{"type": "email.delivered", "data": {"email_id": "x", "n": NaN}}',
        '{"type": "email.delivered", "data": {"email_id": "x", "n": 1e999}}',
        '{"type": "email.delivered", "data": {"email_id": "x", "n": ' + "9" * 5000 + "}}",
    ],
)
def test_bodies_no_database_can_store_are_acknowledged_and_write_nothing(body, client, session, engine):
    before = database_snapshot(engine)
    assert_ignored(post_resend(client, body))
    assert database_snapshot(engine) == before


def test_a_svix_id_longer_than_the_event_id_column_is_acknowledged_and_writes_nothing(client, session, engine):
    payload = resend_event("email.delivered", make_sent_email(session))
    before = database_snapshot(engine)
    assert_ignored(post_resend(client, payload, msg_id="msg_" + "x" * 300))
    assert database_snapshot(engine) == before


def test_nul_and_lone_surrogates_in_strings_are_stored_replaced(client, session):
    """PostgreSQL refuses NUL in text and JSONB and no database stores a lone surrogate: they
    are replaced (U+FFFD) and the event is applied."""
    sent = make_sent_email(session)
    body = json.dumps(resend_event("email.delivered", sent, subject="a\u0000b\ud800c"))
    response = post_resend(client, body)
    assert (response.status_code, response.json()["status"]) == (200, "applied")
    stored = session.exec(select(EmailEvent.payload)).one()
    assert "\x00" not in stored["data"]["subject"] and stored["data"]["subject"].startswith("a\ufffdb")


# ------------------------------------------------------------------------------------ Twilio


def test_a_message_sid_too_long_to_be_a_sid_is_422_and_writes_nothing(client, session, engine):
    recipient = make_sms_recipient(session)
    before = database_snapshot(engine)
    params = {"MessageSid": "SM" + "x" * 10_000, "MessageStatus": "delivered", "To": recipient.address}
    assert post_twilio(client, "/webhooks/twilio/status", params).status_code == 422
    stop = {"MessageSid": "SM" + "x" * 10_000, "From": recipient.address, "Body": "STOP"}
    assert post_twilio(client, "/webhooks/twilio/inbound", stop).status_code == 422
    assert database_snapshot(engine) == before


def test_a_from_number_too_long_to_be_a_number_is_422_and_writes_nothing(client, session, engine):
    make_contact(session, phone=random_phone())
    before = database_snapshot(engine)
    params = {"MessageSid": "SMlong", "From": "+1" + "5" * 2000, "Body": "STOP"}
    response = post_twilio(client, "/webhooks/twilio/inbound", params)
    assert response.status_code == 422 and "From" in response.json()["error"]["message"]
    assert database_snapshot(engine) == before


@pytest.mark.parametrize("campaign", ["99999999999999999999", "%C2%B2", "-1", "1e3"])  # %C2%B2 is "²"
def test_a_status_callback_with_an_impossible_campaign_id_is_still_applied_by_sid(campaign, client, session):
    recipient = make_sms_recipient(session)
    params = {"MessageSid": recipient.provider_message_id, "MessageStatus": "delivered", "To": recipient.address}
    response = post_twilio(client, f"/webhooks/twilio/status?campaign={campaign}&recipient={campaign}", params)
    assert (response.status_code, response.json()["status"]) == (200, "applied")
    session.expire_all()
    assert session.get(SmsCampaignRecipient, recipient.id).status == "delivered"


def test_a_long_error_code_and_a_nul_in_a_text_are_stored_without_error(client, session):
    recipient = make_sms_recipient(session)
    failed = {"MessageSid": recipient.provider_message_id, "MessageStatus": "failed", "ErrorCode": "3" * 50}
    assert post_twilio(client, "/webhooks/twilio/status", failed).status_code == 200
    reply = {"MessageSid": "SMnul", "From": recipient.address, "Body": "thanks\x00!"}
    assert post_twilio(client, "/webhooks/twilio/inbound", reply).status_code == 200
    session.expire_all()
    assert session.exec(select(SmsEvent.type)).all() == ["failed", "inbound"]
    assert session.exec(select(Contact.sms_status)).all() == ["subscribed"]
