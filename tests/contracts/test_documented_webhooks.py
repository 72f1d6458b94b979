"""The providers' own documented webhook examples, signed with the official libraries (`svix` for
Resend, twilio's `RequestValidator` for Twilio), posted through the real app: what the
documentation says the provider sends must be accepted and have the effect a user sees.

The examples are vendored unchanged in `resend_webhook_examples.json` and
`twilio_webhook_examples.json` (each with its `_source`). Only the fields that must point at our
own data are replaced, each named where it happens; everything else is posted as documented.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from sqlmodel import select
from twilio.request_validator import RequestValidator

from campaign_dashboard.models import (
    Contact,
    DeadLetterEvent,
    EmailCampaign,
    EmailCampaignRecipient,
    EmailEvent,
    FailedInboundEmail,
    InboundEmail,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsEvent,
    Suppression,
)
from tests.contracts.spec import callback_problems, problems
from tests.factories import make_contact, random_phone
from tests.helpers.events import make_sent_email, make_sms_recipient, post_resend, post_twilio

HERE = Path(__file__).parent
RESEND = json.loads((HERE / "resend_webhook_examples.json").read_text())["examples"]
TWILIO = json.loads((HERE / "twilio_webhook_examples.json").read_text())


# Where Resend's documented examples and its OpenAPI (resend.openapi.json) disagree. The app accepts
# both (the tests below post the examples); the emulator sends the OpenAPI's shape, closed
# (test_resend_contract.py), and docs/emulator.md lists these. Anything else that differs fails.
DOCS_OVER_SPEC = {
    "email.bounced": {  # the docs' bounce: subType "Suppressed" (not in the spec's enum), no diagnosticCode
        (
            "data/bounce/subType: 'Suppressed' is not one of ['Undetermined', 'General', 'NoEmail', 'MailboxFull', "
            "'MessageTooLarge', 'ContentRejected', 'AttachmentRejected']"
        ),
        "data/bounce: 'diagnosticCode' is a required property",
        "data: Unevaluated properties are not allowed ('bounce', 'message_id' were unexpected)",
    },
    "email.suppressed": {  # the docs' suppressed: no diagnosticCode, no reason
        "data/suppressed: 'diagnosticCode' is a required property",
        "data/suppressed: 'reason' is a required property",
        "data: Unevaluated properties are not allowed ('message_id', 'suppressed' were unexpected)",
    },
    # the 2026 examples carry data.message_id (the email's Message-ID), which the spec does not name
    "email.delivered": {"data: Unevaluated properties are not allowed ('message_id' was unexpected)"},
    "email.opened": {"data: Unevaluated properties are not allowed ('message_id' was unexpected)"},
    # received_for: the addresses the email was forwarded for (docs only)
    "email.received": {"data: Unevaluated properties are not allowed ('received_for' was unexpected)"},
}
EVENT_SCHEMAS = {
    "email.sent": "EmailSentEvent",
    "email.delivered": "EmailDeliveredEvent",
    "email.delivery_delayed": "EmailDeliveryDelayedEvent",
    "email.bounced": "EmailBouncedEvent",
    "email.complained": "EmailComplainedEvent",
    "email.opened": "EmailOpenedEvent",
    "email.clicked": "EmailClickedEvent",
    "email.failed": "EmailFailedEvent",
    "email.suppressed": "EmailSuppressedEvent",
    "email.received": "EmailReceivedEvent",
}


@pytest.mark.parametrize("kind", sorted(EVENT_SCHEMAS))
def test_each_documented_example_is_resends_openapi_shape_but_for_the_known_disagreements(kind):
    found = problems("resend", f"#/components/schemas/{EVENT_SCHEMAS[kind]}", RESEND[kind]["example"], closed=True)
    assert set(found) == DOCS_OVER_SPEC.get(kind, set())


def resend_example(kind: str, **data) -> str:
    """The documented example as JSON, with `data` fields replaced by the given values."""
    example = copy.deepcopy(RESEND[kind]["example"])
    example["data"].update(data)
    return json.dumps(example)


def fresh(session, model, id_):
    session.expire_all()
    return session.get(model, id_)


# What each documented event does to the recipient and the campaign (docs/events.md's table).
# (recipient status, {campaign counter: value}, suppression reason or None, contact email_status)
EMAIL_EFFECTS = {
    "email.sent": ("sent", {"delivered": 0, "failed": 0}, None, "subscribed"),
    "email.delivered": ("delivered", {"delivered": 1}, None, "subscribed"),
    "email.delivery_delayed": ("sent", {"delivered": 0, "failed": 0, "bounced": 0}, None, "subscribed"),
    "email.opened": ("opened", {"opened": 1, "unique_opens": 1}, None, "subscribed"),
    "email.clicked": ("clicked", {"clicked": 1, "unique_clicks": 1}, None, "subscribed"),
    # The documented bounce is `Permanent` (subType `Suppressed`): a hard bounce.
    "email.bounced": ("bounced", {"bounced": 1}, "hard_bounce", "bounced"),
    "email.complained": ("complained", {"complained": 1}, "complaint", "complained"),
    "email.failed": ("failed", {"failed": 1}, None, "subscribed"),
    "email.suppressed": ("failed", {"failed": 1}, "provider_suppressed", "subscribed"),
}


@pytest.mark.parametrize("kind", sorted(EMAIL_EFFECTS))
def test_each_documented_email_event_moves_the_recipient_and_the_campaign(client, session, kind):
    sent = make_sent_email(session)
    contact = fresh(session, Contact, sent.contact_id)
    assert contact.email_status == "subscribed"
    # Replaced: data.email_id (Resend's id of the email the event is about) -> the provider id of
    # the email we sent, so the event is about our SentEmail row; data.to -> our recipient's address,
    # so a suppression names the address we sent to. Nothing else of the example is changed.
    body = resend_example(kind, email_id=sent.provider_message_id, to=[sent.to_address])
    response = post_resend(client, body, msg_id=f"msg_doc_{kind}")
    assert (response.status_code, response.json()) == (200, {"status": "applied"})

    status, counters, suppression, contact_status = EMAIL_EFFECTS[kind]
    assert fresh(session, EmailCampaignRecipient, sent.recipient_id).status == status
    campaign = fresh(session, EmailCampaign, sent.campaign_id)
    assert {name: getattr(campaign, name) for name in counters} == counters
    assert session.exec(select(Suppression.reason, Suppression.address)).all() == (
        [(suppression, sent.to_address)] if suppression else []
    )
    assert fresh(session, Contact, sent.contact_id).email_status == contact_status
    event = session.exec(select(EmailEvent)).one()
    assert (event.type, event.sent_email_id) == (kind.removeprefix("email."), sent.id)
    if kind == "email.clicked":
        assert event.link == "https://resend.com"  # the documented click.link, kept
    assert session.exec(select(DeadLetterEvent)).all() == []


def test_the_documented_events_replayed_in_order_end_as_the_worst_outcome(client, session):
    sent = make_sent_email(session)
    for kind in ("email.sent", "email.delivered", "email.opened", "email.clicked", "email.complained"):
        body = resend_example(kind, email_id=sent.provider_message_id, to=[sent.to_address])
        assert post_resend(client, body).json()["status"] == "applied", kind
    campaign = fresh(session, EmailCampaign, sent.campaign_id)
    assert (campaign.delivered, campaign.unique_opens, campaign.unique_clicks, campaign.complained) == (1, 1, 1, 1)
    assert fresh(session, EmailCampaignRecipient, sent.recipient_id).status == "complained"


def test_a_documented_event_about_an_email_we_never_sent_is_kept_as_a_dead_letter(client, session):
    body = resend_example("email.delivered")  # unchanged: its email_id is not ours
    assert post_resend(client, body, msg_id="msg_doc_unknown").json() == {"status": "dead_letter"}
    dead = session.exec(select(DeadLetterEvent)).one()
    assert "56761188-7520-42d8-8898-ff6fc54ce618" in dead.reason
    assert session.exec(select(EmailEvent)).all() == []


@pytest.mark.parametrize("kind", ["email.scheduled", "contact.created", "contact.deleted"])
def test_documented_types_we_do_not_use_are_acknowledged_and_store_nothing(client, session, kind):
    sent = make_sent_email(session)
    body = resend_example(kind)  # unchanged: nothing of ours is named
    response = post_resend(client, body)
    assert (response.status_code, response.json()) == (200, {"status": "ignored", "type": kind})
    session.expire_all()
    assert session.exec(select(EmailEvent)).all() == [] and session.exec(select(DeadLetterEvent)).all() == []
    assert session.exec(select(Suppression)).all() == []
    assert fresh(session, EmailCampaignRecipient, sent.recipient_id).status == "sent"


def test_the_documented_suppression_added_suppresses_our_contact(client, session):
    contact = make_contact(session)
    # Replaced: data.email -> our contact's address (the suppressed address must be one we know).
    # data.origin stays the documented "bounce", so it is a hard-bounce suppression.
    response = post_resend(client, resend_example("suppression.added", email=contact.email))
    assert (response.status_code, response.json()) == (200, {"status": "applied"})
    suppression = session.exec(select(Suppression)).one()
    assert (suppression.channel, suppression.address, suppression.reason) == ("email", contact.email, "hard_bounce")
    assert suppression.source == "resend:e169aa45-1ecf-4183-9955-b1499d5701d3"  # the documented suppression id
    assert fresh(session, Contact, contact.id).email_status == "bounced"


def test_the_documented_email_received_example_is_handled(client, session, resend):
    body = resend_example("email.received")  # unchanged: an email this Resend does not know
    response = post_resend(client, body, msg_id="msg_doc_received")
    assert (response.status_code, response.json()["status"]) == (200, "queued")
    # The fetch answers 404: it is matched on the webhook's metadata, finds no campaign email, and
    # is kept as an unmatched inbound email with the reason.
    failed = session.exec(select(FailedInboundEmail)).one()
    assert (failed.provider_id, failed.from_address, failed.subject) == (
        "56761188-7520-42d8-8898-ff6fc54ce618",
        "onboarding@resend.dev",
        "Sending this example",
    )
    assert "no matching sent email" in failed.reason
    assert session.exec(select(InboundEmail)).all() == []


# ------------------------------------------------------------------ Twilio


def test_twilios_documented_signature_is_what_the_official_validator_computes():
    vector = TWILIO["request_validator"]
    assert RequestValidator(vector["token"]).compute_signature(vector["uri"], vector["params"]) == vector["expected"]


@pytest.mark.parametrize(
    ("kind", "example"), [("status_callback", "status_callback_sent"), ("inbound", "incoming_message")]
)
def test_twilios_documented_examples_fit_the_parameters_we_transcribed(kind, example):
    # Twilio's docs write SIDs as placeholders (`ACxxx…`, `SMXXX…`); everything else must fit.
    found = [p for p in callback_problems(kind, TWILIO[example]["params"]) if not re.search(r"'(AC|SM|MG)[xX]{32}'", p)]
    assert found == []


def status_path(recipient) -> str:
    return f"/webhooks/twilio/status?campaign={recipient.campaign_id}&recipient={recipient.id}"


def test_the_documented_sent_callback_is_recorded_and_keeps_the_recipient_sent(client, session):
    recipient = make_sms_recipient(session, provider_message_id=TWILIO["status_callback_sent"]["params"]["MessageSid"])
    params = dict(TWILIO["status_callback_sent"]["params"])  # unchanged: our recipient carries its MessageSid
    response = post_twilio(client, status_path(recipient), params)
    assert (response.status_code, response.json()) == (200, {"status": "applied"})
    assert session.exec(select(SmsEvent.type, SmsEvent.recipient_id)).all() == [("sent", recipient.id)]
    assert fresh(session, SmsCampaignRecipient, recipient.id).status == "sent"


@pytest.mark.parametrize(
    ("status", "recipient_status", "counter"),
    [("delivered", "delivered", "delivered"), ("undelivered", "failed", "failed")],
)
def test_the_documented_callback_with_a_final_status_moves_the_sms_recipient(
    client,
    session,
    status,
    recipient_status,
    counter,
):
    recipient = make_sms_recipient(session)
    params = dict(TWILIO["status_callback_sent"]["params"])
    # Replaced: MessageSid/SmsSid -> our recipient's provider_message_id (the message it is about).
    # Twilio documents no whole delivered/undelivered callback, only this `sent` one and that the
    # same request carries the status it moved to: MessageStatus/SmsStatus are set to that status.
    params.update(
        MessageSid=recipient.provider_message_id,
        SmsSid=recipient.provider_message_id,
        MessageStatus=status,
        SmsStatus=status,
    )
    response = post_twilio(client, status_path(recipient), params)
    assert (response.status_code, response.json()) == (200, {"status": "applied"})
    assert fresh(session, SmsCampaignRecipient, recipient.id).status == recipient_status
    assert getattr(fresh(session, SmsCampaign, recipient.campaign_id), counter) == 1


def test_the_documented_incoming_message_is_counted_as_a_reply(client, session):
    recipient = make_sms_recipient(session)
    params = dict(TWILIO["incoming_message"]["params"])
    params["From"] = recipient.address  # Replaced: From -> the number we texted, so it is a reply to us
    response = post_twilio(client, "/webhooks/twilio/inbound", params)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    assert fresh(session, SmsCampaign, recipient.campaign_id).replied == 1
    assert session.exec(select(Suppression)).all() == []


def test_the_documented_incoming_message_saying_stop_opts_the_number_out(client, session):
    phone = random_phone()
    contact = make_contact(session, phone=phone)
    params = dict(TWILIO["incoming_message"]["params"])
    # Replaced: From -> our contact's number; Body -> "STOP" (the documented Body is a chat line;
    # Twilio's opt-out keywords are documented at /docs/messaging/tutorials/advanced-opt-out).
    params.update(From=phone, Body="STOP")
    response = post_twilio(client, "/webhooks/twilio/inbound", params)
    assert response.status_code == 200
    assert fresh(session, Contact, contact.id).sms_status == "opted_out"
    assert session.exec(select(Suppression.channel, Suppression.address, Suppression.reason)).all() == [
        ("sms", phone, "sms_opt_out")
    ]
