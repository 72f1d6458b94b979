"""The inbound adapters on the providers' own documented payloads, without HTTP or a database.

What each documented Resend event and Twilio callback becomes (the domain input the services
apply) is what the webhook routes, the dead-letter replay and the received-email worker all rely
on. Examples: tests/contracts/resend_webhook_examples.json and twilio_webhook_examples.json.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from campaign_dashboard.services.audience.opt_outs import ProviderSuppressionIn
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.adapters import resend, twilio
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType
from campaign_dashboard.services.events.inbound import InboundEmailIn, InboundSmsIn
from campaign_dashboard.services.events.sms_events import SmsStatusIn

CONTRACTS = Path(__file__).parents[1] / "contracts"
RESEND = json.loads((CONTRACTS / "resend_webhook_examples.json").read_text())["examples"]
TWILIO = json.loads((CONTRACTS / "twilio_webhook_examples.json").read_text())
EMAIL_ID = "56761188-7520-42d8-8898-ff6fc54ce618"  # the examples' data.email_id


def documented(kind: str) -> bytes:
    return json.dumps(RESEND[kind]["example"]).encode()


@pytest.mark.parametrize(
    ("kind", "event_type"),
    [
        ("email.sent", EmailEventType.SENT),
        ("email.delivered", EmailEventType.DELIVERED),
        ("email.delivery_delayed", EmailEventType.DELIVERY_DELAYED),
        ("email.complained", EmailEventType.COMPLAINED),
        ("email.opened", EmailEventType.OPENED),
    ],
)
def test_a_documented_email_event_names_its_email_and_type(kind, event_type):
    event = resend.from_body(documented(kind), event_id="msg_1")
    assert isinstance(event, EmailEventIn)
    assert (event.provider_event_id, event.type, event.provider_message_id) == ("msg_1", event_type, EMAIL_ID)
    assert event.payload == RESEND[kind]["example"]


def test_a_documented_click_carries_its_link_and_the_time_of_the_click():
    event = resend.from_body(documented("email.clicked"), event_id="msg_1")
    assert (event.type, event.link) == (EmailEventType.CLICKED, "https://resend.com")
    assert event.occurred_at == datetime(2024, 11, 24, 5, 0, 57, 163000, tzinfo=UTC)


def test_the_documented_bounce_is_hard_and_says_why():
    event = resend.from_body(documented("email.bounced"), event_id="msg_1")
    assert (event.type, event.hard_bounce) == (EmailEventType.BOUNCED, True)
    assert event.detail.startswith("hard bounce (Permanent/Suppressed): The recipient's email address")


def test_documented_failures_and_suppressions_keep_the_providers_reason():
    failed = resend.from_body(documented("email.failed"), event_id="msg_1")
    suppressed = resend.from_body(documented("email.suppressed"), event_id="msg_2")
    assert (failed.type, failed.detail) == (EmailEventType.FAILED, "reached_daily_quota")
    assert suppressed.type == EmailEventType.SUPPRESSED
    assert suppressed.detail.startswith("suppressed (OnAccountSuppressionList): Resend has suppressed")


def test_the_documented_received_email_is_its_metadata_for_the_worker():
    email = resend.from_body(documented("email.received"), event_id="msg_1")
    assert isinstance(email, InboundEmailIn)
    assert (email.provider_event_id, email.provider_id) == ("msg_1", EMAIL_ID)
    assert (email.from_address, email.to, email.subject) == (
        "onboarding@resend.dev",
        ["delivered@resend.dev"],
        "Sending this example",
    )
    assert email.message_id == "<111-222-333@email.example.com>"
    # the worker re-reads the stored payload through the same adapter
    assert resend.normalise(email.payload, event_id="msg_1") == email


def test_the_documented_suppression_added_names_the_address_and_origin():
    item = resend.from_body(documented("suppression.added"), event_id="msg_1")
    assert isinstance(item, ProviderSuppressionIn)
    assert (item.address, item.origin, item.suppression_id) == (
        "steve.wozniak@gmail.com",
        "bounce",
        "e169aa45-1ecf-4183-9955-b1499d5701d3",
    )


@pytest.mark.parametrize("kind", ["email.scheduled", "contact.created", "contact.deleted"])
def test_documented_types_we_do_not_use_are_ignored_by_name(kind):
    assert resend.from_body(documented(kind), event_id="msg_1") == resend.IgnoredEvent(kind)


@pytest.mark.parametrize(
    ("body", "event_id", "reason"),
    [
        (b"{not json", "msg_1", "Body is not valid JSON"),
        (b'{"type": "email.sent", "data": {"email_id": NaN}}', "msg_1", "NaN is not a JSON number"),
        (b"[" * 40 + b"]" * 40, "msg_1", "Body nests deeper than 32 levels."),
        (b'{"type": "email.sent", "data": {}}', "msg_1", "data.email_id is missing."),
        (b'{"type": "email.sent", "data": {"email_id": "e"}}', "m" * 201, "svix-id is longer than 200"),
    ],
)
def test_an_unreadable_body_is_refused_naming_why(body, event_id, reason):
    with pytest.raises(ValidationFailed, match=reason.replace("(", r"\(").replace(")", r"\)")):
        resend.from_body(body, event_id=event_id)


def test_text_no_database_can_store_is_replaced():
    body = json.dumps({"type": "email.sent", "data": {"email_id": "e\u0000", "subject": "\ud800"}}).encode()
    event = resend.from_body(body, event_id="msg_1")
    assert event.provider_message_id == "e\ufffd"
    assert set(event.payload["data"]["subject"]) == {"\ufffd"}  # the lone surrogate, UTF-8 decoded


def test_the_documented_sent_callback_is_a_status_event_for_our_recipient():
    params = TWILIO["status_callback_sent"]["params"]
    event = twilio.status_event(params, query={"campaign": "12", "recipient": "34", "other": "x"})
    assert event == SmsStatusIn(
        message_sid="SM1342fe1b2c904d1ab04f0fc7a58abca9",
        status="sent",
        campaign_id=12,
        recipient_id=34,
        occurred_at=event.occurred_at,
        payload=params,
    )
    assert event.provider_event_id == "SM1342fe1b2c904d1ab04f0fc7a58abca9:sent"


@pytest.mark.parametrize("value", ["", "-1", "1.5", "١٢", str(2**31)])
def test_a_callback_id_that_cannot_be_ours_is_ignored(value):
    event = twilio.status_event(TWILIO["status_callback_sent"]["params"], query={"recipient": value})
    assert event.recipient_id is None


def test_a_status_callback_without_a_known_status_or_sid_is_not_an_event():
    params = TWILIO["status_callback_sent"]["params"]
    assert twilio.status_event({**params, "MessageStatus": "exploded", "SmsStatus": ""}) is None
    assert twilio.status_event({k: v for k, v in params.items() if k not in ("MessageSid", "SmsSid")}) is None
    assert twilio.status_event({**params, "MessageSid": "S" * 65, "SmsSid": ""}) is None


def test_an_error_code_is_kept_short_enough_to_store():
    params = {**TWILIO["status_callback_sent"]["params"], "MessageStatus": "failed", "ErrorCode": "3" * 30}
    assert twilio.status_event(params).error_code == "3" * 20


def test_the_documented_incoming_message_is_an_inbound_sms():
    params = TWILIO["incoming_message"]["params"]
    sms = twilio.inbound_sms(params)
    assert sms == InboundSmsIn(
        message_sid="SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        from_number="+14017122661",
        to_number="+15558675310",
        body="Ahoy! Let's build something amazing.",
        payload=params,
        occurred_at=sms.occurred_at,
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"From": ""}, "MessageSid and From are required."),
        ({"MessageSid": "", "SmsSid": ""}, "MessageSid and From are required."),
        ({"MessageSid": "S" * 65}, "MessageSid is longer than 64 characters."),
        ({"From": "+1" * 40}, "From is longer than 64 characters."),
    ],
)
def test_an_incoming_message_missing_what_we_need_is_refused(change, reason):
    with pytest.raises(ValidationFailed) as refused:
        twilio.inbound_sms({**TWILIO["incoming_message"]["params"], **change})
    assert refused.value.message == reason


def test_form_fields_are_made_storable():
    fields = twilio.storable({"Body\x00": "hi\x00", "From": "\ud800"})
    assert fields["Body\ufffd"] == "hi\ufffd"
    assert set(fields["From"]) == {"\ufffd"}
