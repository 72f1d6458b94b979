"""The world talks back: signed Resend events, signed Twilio callbacks and inbound SMS, unsubscribes."""

from __future__ import annotations

import socket

import pytest
import resend

from .factories import email

SENDER = "+15005550006"


def events(emu) -> list[dict]:
    return [payload for payload, _ in emu.received.of("resend")]


def kinds(emu) -> list[str]:
    return [e["type"] for e in events(emu)]


@pytest.mark.usefixtures("send_email")
def test_an_engaged_recipient_produces_every_event_in_order_all_signed(emu):
    emu.configure(open_rate=1, proxy_open_rate=0, click_rate=1, complaint_rate=1, reply_rate=1, unsubscribe_rate=1)
    unsubscribe = f"{emu.receiver_url}/unsubscribe/tok-1"
    sent = resend.Emails.send(
        email(
            "Ann <ann@example.com>",
            reply_to="replies@example.com",
            headers={
                "Message-ID": "<c1.r1@app.example.com>",
                "List-Unsubscribe": f"<{unsubscribe}>, <mailto:unsub@example.com>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
    )

    emu.received.wait_for(lambda: len(emu.received.calls) == 7)
    assert all(valid for _, valid in emu.received.of("resend"))
    assert kinds(emu) == [
        "email.sent",
        "email.delivered",
        "email.opened",
        "email.clicked",
        "email.complained",
        "email.received",
    ]
    by_kind = {e["type"]: e["data"] for e in events(emu)}
    delivered = by_kind["email.delivered"]
    assert delivered["email_id"] == sent["id"] and delivered["to"] == ["Ann <ann@example.com>"]
    assert delivered["tags"] == {"campaign_id": "c1", "recipient_id": "r1"}
    assert by_kind["email.clicked"]["click"]["link"] == "https://shop.example.com/sale"
    reply = by_kind["email.received"]
    assert reply["from"] == "ann@example.com" and reply["to"] == ["replies@example.com"]
    assert reply["subject"] == "Re: Spring sale"
    assert set(reply) == {"email_id", "created_at", "from", "to", "bcc", "cc", "subject", "message_id", "attachments"}
    full = resend.Emails.Receiving.get(reply["email_id"])  # body and headers: from the Receiving API
    assert full["text"] == "Thanks, got it!\n" and full["subject"] == "Re: Spring sale"
    # it quotes the provider's Message-ID (SES may replace a custom one), never the app's
    assert full["headers"]["In-Reply-To"] == f"<{sent['id']}@email.amazonses.com>"
    [(one_click, _)] = emu.received.of("unsubscribe")
    assert one_click == {"token": "tok-1", "body": "List-Unsubscribe=One-Click"}
    assert resend.Emails.get(sent["id"])["last_event"] in {"clicked", "complained"}
    emu.received.wait_for(lambda: emu.stats()["webhooks_sent"] == 7)  # counted once the app answered


@pytest.mark.usefixtures("send_email")
def test_addresses_meant_to_bounce_bounce_with_their_type(emu):
    resend.Batch.send([email("x@invalid.example"), email("hard-bounce@example.com"), email("softbounce@example.com")])

    emu.received.wait_for(lambda: kinds(emu).count("email.bounced") == 3)
    bounces = {e["data"]["to"][0]: e["data"]["bounce"]["type"] for e in events(emu) if e["type"] == "email.bounced"}
    assert bounces == {
        "x@invalid.example": "Permanent",
        "hard-bounce@example.com": "Permanent",
        "softbounce@example.com": "Transient",
    }
    assert "email.delivered" not in kinds(emu)


@pytest.mark.usefixtures("send_email")
def test_bounce_rate_one_bounces_everything(emu):
    emu.configure(bounce_rate=1)
    resend.Batch.send([email(f"u{i}@example.com") for i in range(10)])
    # a tenth of random bounces are sends to a suppressed address: Resend reports those as email.suppressed
    emu.received.wait_for(lambda: kinds(emu).count("email.bounced") + kinds(emu).count("email.suppressed") == 10)


def test_sms_status_callbacks_carry_the_campaign_and_a_valid_signature(emu, twilio):
    callback = f"{emu.receiver_url}/webhooks/twilio/status?campaign=c9&recipient=r4"
    created = twilio.messages.create(to="+15551230001", from_=SENDER, body="Hi", status_callback=callback)

    emu.received.wait_for(lambda: len(emu.received.of("status")) == 2)
    calls = emu.received.of("status")
    assert all(valid for _, valid in calls)
    assert [c["params"]["MessageStatus"] for c, _ in calls] == ["sent", "delivered"]
    first = calls[0][0]
    assert first["url"] == callback
    assert first["params"]["MessageSid"] == created.sid and first["params"]["To"] == "+15551230001"
    assert first["params"]["From"] == SENDER and first["params"]["AccountSid"] == created.account_sid


def test_undelivered_sms_report_an_error_code(emu, twilio):
    emu.configure(bounce_rate=1)
    callback = f"{emu.receiver_url}/webhooks/twilio/status"
    twilio.messages.create(to="+15551230002", from_=SENDER, body="Hi", status_callback=callback)

    emu.received.wait_for(lambda: len(emu.received.of("status")) == 2)
    final = emu.received.of("status")[1][0]["params"]
    assert final["MessageStatus"] in {"undelivered", "failed"} and final["ErrorCode"] in {"30003", "30008"}


def test_a_stop_reply_arrives_signed_and_blocks_further_sends(emu, twilio):
    from twilio.base.exceptions import TwilioRestException

    emu.configure(unsubscribe_rate=1)
    twilio.messages.create(to="+15551230003", from_=SENDER, body="Hi")

    emu.received.wait_for(lambda: len(emu.received.of("inbound")) == 1)
    [(inbound, valid)] = emu.received.of("inbound")
    assert valid and inbound["url"] == f"{emu.receiver_url}/webhooks/twilio/inbound"
    assert inbound["params"]["Body"] == "STOP"
    assert inbound["params"]["From"] == "+15551230003" and inbound["params"]["To"] == SENDER
    with pytest.raises(TwilioRestException) as refused:
        twilio.messages.create(to="+15551230003", from_=SENDER, body="Again")
    assert refused.value.code == 21610


@pytest.mark.usefixtures("send_email")
def test_an_unreachable_app_is_retried_then_counted_as_a_failure(emu):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
    emu.configure(webhook_url=dead, webhook_retries=1)

    resend.Emails.send(email("a@example.com"))

    emu.received.wait_for(lambda: emu.stats()["webhook_failures"] == 2)  # sent + delivered
    stats = emu.stats()
    assert stats["webhooks_sent"] == 0 and "ConnectionRefused" in stats["last_webhook_error"]


@pytest.mark.usefixtures("send_email")
def test_with_webhooks_off_nothing_is_posted(emu):
    emu.configure(webhooks=False)
    sent = resend.Emails.send(email("a@example.com"))

    assert resend.Emails.get(sent["id"])["last_event"] == "delivered"
    assert emu.received.calls == [] and emu.stats()["webhooks_sent"] == 0
