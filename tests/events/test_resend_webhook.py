"""Resend webhooks over HTTP: signed events move the numbers; anything unsigned or broken is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from campaign_dashboard.models import (
    Contact,
    DeadLetterEvent,
    EmailCampaign,
    EmailCampaignRecipient,
    EmailEvent,
    SentEmail,
    Suppression,
)
from tests.helpers.events import make_sent_email, post_resend, resend_event, svix_headers


def counts(session, campaign_id) -> EmailCampaign:
    session.expire_all()
    return session.get(EmailCampaign, campaign_id)


def nothing_stored(session) -> bool:
    session.expire_all()
    return not session.exec(select(EmailEvent)).all() and not session.exec(select(DeadLetterEvent)).all()


def test_a_delivered_open_and_click_move_the_campaign_numbers(client, session):
    sent = make_sent_email(session)
    for kind in ("email.sent", "email.delivered", "email.opened", "email.opened", "email.clicked"):
        assert post_resend(client, resend_event(kind, sent)).status_code == 200

    campaign = counts(session, sent.campaign_id)
    assert (campaign.delivered, campaign.opened, campaign.unique_opens) == (1, 2, 1)
    assert (campaign.clicked, campaign.unique_clicks) == (1, 1)
    recipient = session.get(EmailCampaignRecipient, sent.recipient_id)
    assert recipient.status == "clicked"
    sent = session.get(SentEmail, sent.id)
    assert sent.status == "clicked" and sent.open_count == 2 and sent.click_count == 1
    assert sent.delivered_at and sent.first_opened_at and sent.first_clicked_at
    click = session.exec(select(EmailEvent).where(EmailEvent.type == "clicked")).one()
    assert click.link == "https://example.com/offer"


def test_a_replayed_event_is_acknowledged_and_changes_nothing(client, session):
    sent = make_sent_email(session)
    payload = resend_event("email.opened", sent)
    first = post_resend(client, payload, msg_id="msg_replay_1")
    again = post_resend(client, payload, msg_id="msg_replay_1")
    assert (first.status_code, first.json()["status"]) == (200, "applied")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    campaign = counts(session, sent.campaign_id)
    assert (campaign.opened, campaign.unique_opens) == (1, 1)
    assert len(session.exec(select(EmailEvent)).all()) == 1


def test_a_late_delivered_does_not_downgrade_an_open_and_a_bounce_wins(client, session):
    sent = make_sent_email(session)
    post_resend(client, resend_event("email.opened", sent))
    post_resend(client, resend_event("email.delivered", sent))
    session.expire_all()
    assert session.get(EmailCampaignRecipient, sent.recipient_id).status == "opened"

    post_resend(client, resend_event("email.bounced", sent))
    session.expire_all()
    assert session.get(EmailCampaignRecipient, sent.recipient_id).status == "bounced"
    assert counts(session, sent.campaign_id).bounced == 1


def test_hard_bounce_suppresses_the_address_and_marks_the_contact(client, session):
    sent = make_sent_email(session)
    post_resend(client, resend_event("email.bounced", sent, bounce_type="Permanent"))
    session.expire_all()
    assert session.get(Contact, sent.contact_id).email_status == "bounced"
    suppression = session.exec(select(Suppression)).one()
    assert (suppression.channel, suppression.address, suppression.reason) == ("email", sent.to_address, "hard_bounce")
    recipient = session.get(EmailCampaignRecipient, sent.recipient_id)
    assert "hard bounce" in recipient.last_error


def test_soft_bounce_counts_but_does_not_suppress(client, session):
    sent = make_sent_email(session)
    post_resend(client, resend_event("email.bounced", sent, bounce_type="Temporary", sub_type="MailboxFull"))
    session.expire_all()
    assert counts(session, sent.campaign_id).bounced == 1
    assert session.get(Contact, sent.contact_id).email_status == "subscribed"
    assert session.exec(select(Suppression)).all() == []


def test_a_complaint_suppresses_and_counts(client, session):
    sent = make_sent_email(session)
    post_resend(client, resend_event("email.delivered", sent))
    post_resend(client, resend_event("email.complained", sent))
    session.expire_all()
    assert counts(session, sent.campaign_id).complained == 1
    assert session.get(Contact, sent.contact_id).email_status == "complained"
    assert session.get(EmailCampaignRecipient, sent.recipient_id).status == "complained"
    assert session.exec(select(Suppression.reason)).all() == ["complaint"]


def test_failed_and_suppressed_count_one_failure_per_message(client, session):
    sent = make_sent_email(session)
    post_resend(client, resend_event("email.failed", sent))
    post_resend(client, resend_event("email.suppressed", sent))
    post_resend(client, resend_event("email.delivery_delayed", sent))
    session.expire_all()
    assert counts(session, sent.campaign_id).failed == 1
    assert session.get(EmailCampaignRecipient, sent.recipient_id).status == "failed"
    assert len(session.exec(select(EmailEvent)).all()) == 3


def test_an_event_for_an_unknown_message_goes_to_dead_letters_once(client, session):
    payload = resend_event("email.delivered", email_id="never-sent-by-us")
    assert post_resend(client, payload, msg_id="msg_dead_1").json()["status"] == "dead_letter"
    assert post_resend(client, payload, msg_id="msg_dead_1").json()["status"] == "duplicate"
    dead = session.exec(select(DeadLetterEvent)).one()
    assert dead.provider == "resend" and "never-sent-by-us" in dead.reason
    assert session.exec(select(EmailEvent)).all() == []


def test_a_forged_signature_or_a_body_changed_after_signing_is_401_and_stores_nothing(client, session):
    sent = make_sent_email(session)
    body = json.dumps(resend_event("email.delivered", sent))
    forged = svix_headers(body, secret="whsec_" + "Zm9yZ2VkLXNlY3JldC1mb3ItdGVzdGluZy0wMDAwMDA=")
    assert client.post("/webhooks/resend", content=body, headers=forged).status_code == 401
    tampered = body.replace("email.delivered", "email.bounced")
    assert client.post("/webhooks/resend", content=tampered, headers=svix_headers(body)).status_code == 401
    assert nothing_stored(session)


def test_missing_or_garbled_signature_headers_are_401(client, session):
    sent = make_sent_email(session)
    body = json.dumps(resend_event("email.delivered", sent))
    good = svix_headers(body)
    for drop in ("svix-id", "svix-timestamp", "svix-signature"):
        headers = {k: v for k, v in good.items() if k != drop}
        assert client.post("/webhooks/resend", content=body, headers=headers).status_code == 401
    for garbage in ("v1,!!!notbase64", "nocomma", "v2,abc"):
        headers = {**good, "svix-signature": garbage}
        assert client.post("/webhooks/resend", content=body, headers=headers).status_code == 401
    assert nothing_stored(session)


def test_an_expired_or_future_timestamp_is_401(client, session):
    sent = make_sent_email(session)
    body = json.dumps(resend_event("email.delivered", sent))
    for skew in (timedelta(minutes=-6), timedelta(minutes=6)):
        headers = svix_headers(body, timestamp=datetime.now(UTC) + skew)
        assert client.post("/webhooks/resend", content=body, headers=headers).status_code == 401
    headers = svix_headers(body, timestamp=datetime.now(UTC) - timedelta(minutes=4))
    assert client.post("/webhooks/resend", content=body, headers=headers).status_code == 200


def test_signed_but_malformed_bodies_are_acknowledged_and_ignored(client, session):
    """Resend retries any non-2xx for a day, then disables the endpoint: a signed body we can
    never read is acknowledged with the reason and stores nothing (docs/events.md)."""
    sent = make_sent_email(session)
    whole = json.dumps(resend_event("email.delivered", sent))
    for body in (
        whole[: len(whole) // 2],
        "not json at all",
        "[1, 2, 3]",
        '{"type": "email.delivered"}',
        json.dumps({"data": {"email_id": sent.provider_message_id}}),
        json.dumps({"type": "email.delivered", "data": {}}),
    ):
        response = post_resend(client, body)
        assert response.status_code == 200, body
        assert response.json()["status"] == "ignored" and response.json()["reason"]
    assert nothing_stored(session)


def test_an_oversized_body_is_413_before_verification(client, session):
    sent = make_sent_email(session)
    payload = resend_event("email.delivered", sent, padding="x" * (1024 * 1024))
    assert post_resend(client, payload).status_code == 413
    assert nothing_stored(session)


def test_a_batch_over_http_with_duplicates_in_random_order_gives_exact_counters(client, session):
    import random

    rng = random.Random(7)
    campaign_id = make_sent_email(session).campaign_id
    campaign = session.get(EmailCampaign, campaign_id)
    for _ in range(19):
        make_sent_email(session, campaign=campaign)
    deliveries = []
    for n, sent in enumerate(session.exec(select(SentEmail)).all()):
        deliveries.append((f"msg_d{n}", resend_event("email.delivered", sent)))
        deliveries.append((f"msg_o{n}", resend_event("email.opened", sent)))
        if n % 4 == 0:
            deliveries.append((f"msg_c{n}", resend_event("email.clicked", sent)))
    deliveries += rng.sample(deliveries, 10)  # retried deliveries: same svix-id, same body
    rng.shuffle(deliveries)
    for msg_id, payload in deliveries:
        assert post_resend(client, payload, msg_id=msg_id).status_code == 200
    campaign = counts(session, campaign_id)
    assert (campaign.delivered, campaign.opened, campaign.unique_opens) == (20, 20, 20)
    assert (campaign.clicked, campaign.unique_clicks) == (5, 5)


def test_a_hard_bounce_suppresses_the_address_however_it_was_written(client, session):
    from campaign_dashboard.services.audience.suppressions import is_suppressed

    sent = make_sent_email(session)
    sent.to_address = f"  {sent.to_address.upper()} "
    session.add(sent)
    session.commit()
    post_resend(client, resend_event("email.bounced", sent, bounce_type="Permanent"))
    assert session.exec(select(Suppression.address)).all() == [sent.to_address.strip().lower()]
    assert is_suppressed(session=session, channel="email", address=sent.to_address)
