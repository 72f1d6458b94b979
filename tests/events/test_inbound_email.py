"""Replies and bounce notices arriving as `email.received`, the way Resend delivers them.

The webhook carries metadata only; the worker fetches the body and headers from the Receiving API
(`GET /emails/receiving/{id}`, here the emulator's) and then matches. Huey runs in immediate mode,
so the queued task runs inside the webhook request.
"""

from __future__ import annotations

import time

import httpx
import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import (
    Channel,
    EmailCampaign,
    EmailEvent,
    FailedInboundEmail,
    InboundEmail,
    SentEmail,
)
from campaign_dashboard.providers.base import RetryableError
from tests.helpers.events import make_sent_email, post_resend
from tests.helpers.processes import configure_emulator, emulator_stats
from tests.helpers.sending import add_contacts, make_campaign, start


def arrives(resend: str, *, to: list[str], sender="Pat <pat@example.org>", subject="Re: Hello", **content) -> dict:
    """Mail arrives at Resend: kept for the Receiving API; returns the webhook Resend would send."""
    answer = httpx.post(f"{resend}/_emulator/inbound", json={"from": sender, "to": to, "subject": subject, **content})
    answer.raise_for_status()
    return answer.json()["event"]


def only_keys(payload: dict) -> set[str]:
    return set(payload["data"])


def test_the_webhook_has_no_body_and_the_reply_is_matched_with_its_text_fetched(client, session, resend):
    sent = make_sent_email(session)
    event = arrives(resend, to=[f"Replies <reply+{sent.reply_token}@in.example.com>"], text="Sounds good")
    assert "text" not in event["data"] and "headers" not in event["data"]  # as Resend sends it
    response = post_resend(client, event, msg_id="msg_in_1")
    assert (response.status_code, response.json()["status"]) == (200, "queued")
    inbound = session.exec(select(InboundEmail)).one()
    assert (inbound.sent_email_id, inbound.campaign_id, inbound.text) == (sent.id, sent.campaign_id, "Sounds good")
    assert session.exec(select(EmailEvent.type)).all() == ["reply"]
    assert session.get(EmailCampaign, sent.campaign_id).replied == 1
    assert post_resend(client, event, msg_id="msg_in_1").json()["status"] == "queued"  # a redelivery
    assert len(session.exec(select(InboundEmail)).all()) == 1
    assert session.get(EmailCampaign, sent.campaign_id).replied == 1


def test_a_reply_is_matched_by_the_fetched_in_reply_to_or_references(client, session, resend):
    sent = make_sent_email(session)
    by_header = arrives(resend, to=["news@example.com"], headers={"In-Reply-To": sent.message_id_header})
    post_resend(client, by_header)
    by_refs = arrives(resend, to=["news@example.com"], headers={"References": f"<other@x> {sent.message_id_header}"})
    post_resend(client, by_refs)
    assert len(session.exec(select(InboundEmail)).all()) == 2
    assert session.get(EmailCampaign, sent.campaign_id).replied == 1  # one person replied (twice)


def test_unmatched_mail_lands_in_failed_inbound_with_the_reason(client, session, resend):
    make_sent_email(session)
    event = arrives(resend, to=["hello@example.com"], headers={"In-Reply-To": "<unknown@elsewhere>"})
    assert post_resend(client, event).status_code == 200
    failed = session.exec(select(FailedInboundEmail)).one()
    assert failed.provider_id == event["data"]["email_id"] and "no matching sent email" in failed.reason
    assert session.exec(select(InboundEmail)).all() == []


def test_a_bounce_notice_is_not_a_reply(client, session, resend):
    sent = make_sent_email(session)
    dsn = arrives(
        resend,
        to=[f"reply+{sent.reply_token}@in.example.com"],
        sender="Mail Delivery System <MAILER-DAEMON@mx.example.org>",
        subject="Undelivered Mail Returned to Sender",
    )
    post_resend(client, dsn)
    report = arrives(
        resend,
        to=[f"reply+{sent.reply_token}@in.example.com"],
        sender="robot@mx.example.org",
        subject="Your message",
        headers={"Content-Type": "multipart/report; report-type=delivery-status"},
    )
    post_resend(client, report)  # a DSN only its fetched Content-Type gives away
    reasons = sorted(f.reason for f in session.exec(select(FailedInboundEmail)))
    assert len(reasons) == 2 and all("DSN" in r for r in reasons) and "multipart/report" in reasons[1]
    assert session.get(EmailCampaign, sent.campaign_id).replied == 0


def test_mail_to_the_list_unsubscribe_mailto_unsubscribes_once(client, session, resend):
    from campaign_dashboard.models import Contact

    sent = make_sent_email(session)
    to = [f"unsubscribe+{sent.reply_token}@in.example.com"]
    post_resend(client, arrives(resend, to=to, subject="unsubscribe"))
    post_resend(client, arrives(resend, to=to, subject="unsubscribe"))
    assert session.get(Contact, sent.contact_id).email_status == "unsubscribed"
    campaign = session.get(EmailCampaign, sent.campaign_id)
    assert (campaign.unsubscribed, campaign.replied) == (1, 0)


def test_content_resend_will_not_give_is_matched_on_the_webhooks_metadata(client, session, resend):
    sent = make_sent_email(session)
    event = arrives(resend, to=[f"reply+{sent.reply_token}@in.example.com"], text="lost")
    event["data"]["email_id"] = "00000000-0000-4000-8000-000000000000"  # Resend: 404 for this id
    assert post_resend(client, event).status_code == 200
    inbound = session.exec(select(InboundEmail)).one()
    assert (inbound.sent_email_id, inbound.text) == (sent.id, "")
    assert session.get(EmailCampaign, sent.campaign_id).replied == 1


def test_a_failing_fetch_is_retried_and_then_matched_with_its_text(session, resend):
    from campaign_dashboard.tasks.receiving import receive_email

    sent = make_sent_email(session)
    event = arrives(resend, to=[f"reply+{sent.reply_token}@in.example.com"], text="Sounds good")
    session.rollback()  # the test's read ends: SQLite has one connection
    httpx.post(f"{resend}/_emulator/config", json={"error_rate": 1}).raise_for_status()
    with pytest.raises(RetryableError):  # Huey runs the task again later
        receive_email(event, event_id="msg_retry", last_try=False)
    session.rollback()
    assert session.exec(select(InboundEmail)).all() == []
    session.rollback()
    httpx.post(f"{resend}/_emulator/config", json={"error_rate": 0}).raise_for_status()
    assert str(receive_email(event, event_id="msg_retry", last_try=False)) == "applied"
    session.rollback()
    assert session.exec(select(InboundEmail.text)).all() == ["Sounds good"]


def test_on_the_last_try_a_reply_is_counted_even_though_resend_keeps_failing(session, resend):
    from campaign_dashboard.tasks.receiving import receive_email

    sent = make_sent_email(session)
    event = arrives(resend, to=[f"reply+{sent.reply_token}@in.example.com"], text="Sounds good")
    session.rollback()  # the test's read ends: SQLite has one connection
    httpx.post(f"{resend}/_emulator/config", json={"error_rate": 1}).raise_for_status()
    assert str(receive_email(event, event_id="msg_last", last_try=True)) == "applied"
    session.rollback()
    assert session.exec(select(InboundEmail.text)).all() == [""]
    assert session.get(EmailCampaign, sent.campaign_id).replied == 1


def test_the_webhook_answers_at_once_when_resend_is_down(client, session, resend):
    sent = make_sent_email(session)
    event = arrives(resend, to=[f"reply+{sent.reply_token}@in.example.com"])
    httpx.post(f"{resend}/_emulator/config", json={"error_rate": 1}).raise_for_status()
    response = post_resend(client, event)
    assert (response.status_code, response.json()["status"]) == (200, "queued")
    assert session.exec(select(InboundEmail)).all() == []  # the worker will try again


# ------------------------------------------------------------------ the whole loop, real processes


@pytest.fixture
def inbound_domain(stack: dict, monkeypatch: pytest.MonkeyPatch) -> str:
    """Replies are received on this domain (set before the app, emulator and workers start)."""
    stack["RESEND_INBOUND_DOMAIN"] = "in.example.test"
    monkeypatch.setenv("RESEND_INBOUND_DOMAIN", "in.example.test")
    return "in.example.test"


@pytest.mark.xdist_group("sending")
@pytest.mark.emulator_webhooks  # the emulator posts its webhooks to the web app
def test_replies_arrive_through_the_metadata_only_webhook_plus_the_receiving_api(
    inbound_domain,
    app_env,
    emulator,
    workers,
    engine,
):
    configure_emulator(
        emulator,
        bounce_rate=0,
        open_rate=0,
        click_rate=0,
        reply_rate=1,
        unsubscribe_rate=0,
        complaint_rate=0,
        webhook_delay_ms=0,
    )
    add_contacts(engine, 5, prefix="reply")
    campaign_id = make_campaign(engine, Channel.EMAIL, reply_to="Shop Team <team@example.com>")
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)

    def replies():
        with Session(engine) as session:
            return sorted(
                (m.from_address, m.text)
                for m in session.exec(select(InboundEmail).where(InboundEmail.campaign_id == campaign_id))
            )

    expected = sorted((f"reply{i}@example.com", "Thanks, got it!\n") for i in range(5))
    deadline = time.monotonic() + 120
    while (got := replies()) != expected and time.monotonic() < deadline:
        time.sleep(0.5)
    assert got == expected, emulator_stats(emulator)
    with Session(engine) as session:
        assert session.get(EmailCampaign, campaign_id).replied == 5
        tokens = dict(
            session.exec(
                select(SentEmail.to_address, SentEmail.reply_token).where(SentEmail.campaign_id == campaign_id)
            ).all()
        )
    # what went out: replies and the unsubscribe mailto routed to the inbound domain, by token
    sent = httpx.get(f"{emulator}/_emulator/messages", params={"to": "reply0@example.com"}).json()[0]["data"]
    token = tokens["reply0@example.com"]
    assert sent["reply_to"] == f"Shop Team <reply+{token}@in.example.test>"
    assert sent["headers"]["List-Unsubscribe"].endswith(f", <mailto:unsubscribe+{token}@in.example.test>")
    assert sent["headers"]["Message-ID"].endswith(f".{token}@example.com>")
