"""Replies and bounce notices arriving as `email.received`."""

from __future__ import annotations

from sqlmodel import select

from campaign_dashboard.models import EmailCampaign, EmailEvent, FailedInboundEmail, InboundEmail
from tests.events.conftest import make_sent_email, post_resend, resend_event


def received(email_id: str, *, to: list[str], sender="Pat <pat@example.org>", subject="Re: Hello", **data) -> dict:
    payload = resend_event("email.received", email_id=email_id)
    payload["data"] = {
        "email_id": email_id, "created_at": payload["created_at"], "from": sender, "to": to,
        "cc": [], "bcc": [], "received_for": [], "message_id": f"<{email_id}@mail.example.org>",
        "subject": subject, "attachments": [], **data,
    }
    return payload


def test_a_reply_to_the_reply_token_address_is_matched_and_counted(client, session):
    sent = make_sent_email(session)
    payload = received("in-1", to=[f"Replies <reply+{sent.reply_token}@in.example.com>"], text="Sounds good")
    response = post_resend(client, payload, msg_id="msg_in_1")
    assert (response.status_code, response.json()["status"]) == (200, "applied")
    inbound = session.exec(select(InboundEmail)).one()
    assert (inbound.sent_email_id, inbound.campaign_id, inbound.text) == (sent.id, sent.campaign_id, "Sounds good")
    assert session.exec(select(EmailEvent.type)).all() == ["reply"]
    assert session.get(EmailCampaign, sent.campaign_id).replied == 1
    assert post_resend(client, payload, msg_id="msg_in_1").json()["status"] == "duplicate"


def test_a_reply_is_matched_by_in_reply_to_or_references(client, session):
    sent = make_sent_email(session)
    by_header = received("in-2", to=["news@example.com"], headers={"In-Reply-To": sent.message_id_header})
    assert post_resend(client, by_header).json()["status"] == "applied"
    by_refs = received("in-3", to=["news@example.com"],
                       headers=[{"name": "References", "value": f"<other@x> {sent.message_id_header}"}])
    assert post_resend(client, by_refs).json()["status"] == "applied"
    assert len(session.exec(select(InboundEmail)).all()) == 2
    assert session.get(EmailCampaign, sent.campaign_id).replied == 1  # one person replied (twice)


def test_unmatched_mail_lands_in_failed_inbound_with_the_reason(client, session):
    make_sent_email(session)
    payload = received("in-4", to=["hello@example.com"], headers={"In-Reply-To": "<unknown@elsewhere>"})
    response = post_resend(client, payload)
    assert (response.status_code, response.json()["status"]) == (200, "dead_letter")
    failed = session.exec(select(FailedInboundEmail)).one()
    assert failed.provider_id == "in-4" and "no matching sent email" in failed.reason
    assert session.exec(select(InboundEmail)).all() == []


def test_a_bounce_notice_is_not_a_reply(client, session):
    sent = make_sent_email(session)
    dsn = received("in-5", to=[f"reply+{sent.reply_token}@in.example.com"],
                   sender="Mail Delivery System <MAILER-DAEMON@mx.example.org>",
                   subject="Undelivered Mail Returned to Sender")
    assert post_resend(client, dsn).json()["status"] == "dead_letter"
    failed = session.exec(select(FailedInboundEmail)).one()
    assert "DSN" in failed.reason
    assert session.get(EmailCampaign, sent.campaign_id).replied == 0


def test_mail_to_the_list_unsubscribe_mailto_unsubscribes_once(client, session):
    from campaign_dashboard.models import Contact

    sent = make_sent_email(session)
    to = [f"unsubscribe+{sent.reply_token}@campaigns.local"]
    assert post_resend(client, received("in-6", to=to, subject="unsubscribe")).json()["status"] == "applied"
    assert post_resend(client, received("in-7", to=to, subject="unsubscribe")).json()["status"] == "duplicate"
    assert session.get(Contact, sent.contact_id).email_status == "unsubscribed"
    campaign = session.get(EmailCampaign, sent.campaign_id)
    assert (campaign.unsubscribed, campaign.replied) == (1, 0)
