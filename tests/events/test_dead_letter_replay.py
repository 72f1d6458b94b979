"""Events that beat their message's commit are dead-lettered, then applied exactly once by the
worker's tick when the message exists; events for messages that never appear stay with their reason."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import update
from sqlmodel import select

from campaign_dashboard.cli import ROOT
from campaign_dashboard.models import (
    DeadLetterEvent,
    EmailCampaign,
    EmailCampaignRecipient,
    EmailEvent,
    SmsCampaign,
    SmsCampaignRecipient,
    utcnow,
)
from campaign_dashboard.services.events.adapters.resend import normalise
from campaign_dashboard.services.events.dead_letter_replay import replay_dead_letters
from campaign_dashboard.services.events.email_events import apply_email_event
from tests.events.conftest import make_sent_email, make_sms_recipient, post_resend, post_twilio, resend_event
from tests.events.test_twilio_webhook import status_params


def letters(session) -> list[DeadLetterEvent]:
    session.expire_all()
    return session.exec(select(DeadLetterEvent).order_by(DeadLetterEvent.id)).all()


def parked(session) -> int:
    """How many letters are parked, without keeping a transaction (SQLite: the write lock) open."""
    count = len(letters(session))
    session.rollback()
    return count


def campaign(session, model, campaign_id):
    session.expire_all()
    return session.get(model, campaign_id)


def early(client, kind: str, message_id: str, msg_id: str | None = None) -> None:
    """A Resend event for a message we have not committed yet: parked as a dead letter."""
    response = post_resend(client, resend_event(kind, email_id=message_id), msg_id=msg_id)
    assert response.json()["status"] == "dead_letter"


def test_events_that_beat_their_message_are_applied_once_it_exists_and_never_twice(client, session):
    message_id = str(uuid.uuid4())
    early(client, "email.delivered", message_id, msg_id="msg_early_delivered")
    early(client, "email.opened", message_id)
    early(client, "email.delivered", "never-sent-by-us")
    assert replay_dead_letters(session=session) == {}  # the message is still unknown
    assert len(letters(session)) == 3

    sent = make_sent_email(session, provider_message_id=message_id)
    assert replay_dead_letters(session=session) == {"applied": 2}
    numbers = campaign(session, EmailCampaign, sent.campaign_id)
    assert (numbers.delivered, numbers.opened, numbers.unique_opens) == (1, 1, 1)
    assert session.get(EmailCampaignRecipient, sent.recipient_id).status == "opened"
    [kept] = letters(session)
    assert kept.reason == "unknown provider message id 'never-sent-by-us'"

    assert replay_dead_letters(session=session) == {}
    again = post_resend(client, resend_event("email.delivered", email_id=message_id), msg_id="msg_early_delivered")
    assert again.json()["status"] == "duplicate"
    numbers = campaign(session, EmailCampaign, sent.campaign_id)
    assert (numbers.delivered, numbers.opened, numbers.unique_opens) == (1, 1, 1)
    assert len(session.exec(select(EmailEvent)).all()) == 2


def test_a_replay_that_died_after_applying_removes_the_letter_without_counting_again(client, session):
    message_id = str(uuid.uuid4())
    early(client, "email.bounced", message_id)
    sent = make_sent_email(session, provider_message_id=message_id)
    [letter] = letters(session)
    # The first replay applied the event and died before removing the letter:
    apply_email_event(session=session, event=normalise(letter.payload, event_id=letter.provider_event_id))

    assert replay_dead_letters(session=session) == {"duplicate": 1}
    assert letters(session) == []
    assert campaign(session, EmailCampaign, sent.campaign_id).bounced == 1


def test_each_tick_takes_a_bounded_batch_and_old_letters_are_left_alone(client, session):
    message_id = str(uuid.uuid4())
    for _ in range(3):
        early(client, "email.opened", message_id)
    early(client, "email.clicked", message_id, msg_id="msg_old_click")
    session.execute(
        update(DeadLetterEvent)
        .where(DeadLetterEvent.provider_event_id == "msg_old_click")
        .values(received_at=utcnow() - timedelta(days=2))
    )
    session.commit()
    sent = make_sent_email(session, provider_message_id=message_id)

    assert replay_dead_letters(session=session, limit=2) == {"applied": 2}
    assert len(letters(session)) == 2
    assert replay_dead_letters(session=session, limit=2) == {"applied": 1}
    assert [letter.provider_event_id for letter in letters(session)] == ["msg_old_click"]
    numbers = campaign(session, EmailCampaign, sent.campaign_id)
    assert (numbers.opened, numbers.clicked) == (3, 0)


def test_an_sms_status_that_beat_its_message_is_applied_once_it_exists(client, session):
    sid = "SM" + uuid.uuid4().hex
    unknown = status_params(SimpleNamespace(address="+15005550009", provider_message_id=sid), "delivered")
    assert post_twilio(client, "/webhooks/twilio/status", unknown).json()["status"] == "dead_letter"
    recipient = make_sms_recipient(session, provider_message_id=sid)

    assert replay_dead_letters(session=session) == {"applied": 1}
    assert replay_dead_letters(session=session) == {}
    assert letters(session) == []
    assert campaign(session, SmsCampaign, recipient.campaign_id).delivered == 1
    assert session.get(SmsCampaignRecipient, recipient.id).status == "delivered"


def test_a_running_worker_applies_a_parked_event_within_a_few_ticks(client, session, database_url, tmp_path):
    """The real `campaign-dashboard worker` process replays on its tick (TICK_SECONDS)."""
    message_id = str(uuid.uuid4())
    early(client, "email.delivered", message_id)
    sent = make_sent_email(session, provider_message_id=message_id)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "TICK_SECONDS": "0.5",
        "HUEY_NAME": f"cd-test-{uuid.uuid4().hex[:8]}",
    }
    env.pop("REDIS_URL", None)
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "campaign_dashboard", "worker", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20  # ticks every 0.5 s (and Huey's minute task as a net)
        while parked(session) and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
        assert parked(session) == 0, (tmp_path / "worker.log").read_text()
        assert campaign(session, EmailCampaign, sent.campaign_id).delivered == 1
    finally:
        worker.terminate()
        worker.wait(15)
        log.close()


def test_an_sms_callback_before_the_sender_wrote_the_result_waits_for_it(client, session):
    """Twilio answers the send, then calls back before the worker has stored the sid: the row is
    still `claimed`. Applying the callback then would take the row away from the sender (which
    only records rows still claimed, so the campaign's `sent` count came out short)."""
    recipient = make_sms_recipient(session)
    sid = recipient.provider_message_id
    recipient.status, recipient.provider_message_id = "claimed", None  # as the sender holds it
    session.add(recipient)
    session.commit()
    params = status_params(SimpleNamespace(address=recipient.address, provider_message_id=sid), "delivered")
    path = f"/webhooks/twilio/status?campaign={recipient.campaign_id}&recipient={recipient.id}"
    assert post_twilio(client, path, params).json()["status"] == "dead_letter"
    session.expire_all()
    assert session.get(SmsCampaignRecipient, recipient.id).status == "claimed"

    # the sender records the result: still claimed, so it is its row to count
    session.execute(
        update(SmsCampaignRecipient)
        .where(SmsCampaignRecipient.id == recipient.id, SmsCampaignRecipient.status == "claimed")
        .values(status="sent", provider_message_id=sid)
    )
    session.commit()
    assert replay_dead_letters(session=session) == {"applied": 1}
    assert campaign(session, SmsCampaign, recipient.campaign_id).delivered == 1
    assert session.get(SmsCampaignRecipient, recipient.id).status == "delivered"
