"""A follow-up really goes out: real workers and the emulator send a campaign, some recipients open
it (applied as the webhook applies opens), one who did not open unsubscribes after the follow-up
was made; the follow-up reaches exactly the others who did not open, once each."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import Channel, EmailCampaign, SentEmail, utcnow
from campaign_dashboard.services.audience import subscriptions
from campaign_dashboard.services.campaigns import follow_ups
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType, apply_email_event
from tests.helpers.consent import MARKETER
from tests.helpers.processes import emulator_stats
from tests.helpers.sending import add_contacts, ledger, make_campaign, start, wait_for_status

pytestmark = pytest.mark.xdist_group("sending")

CONTACTS = 40


def test_a_follow_up_to_non_openers_sends_to_exactly_them(app_env, emulator, workers, engine):
    add_contacts(engine, CONTACTS)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}) == "sent"

    with Session(engine) as session:
        rows = select(SentEmail.provider_message_id, SentEmail.to_address, SentEmail.contact_id)
        sent = session.exec(rows.where(SentEmail.campaign_id == campaign_id).order_by(SentEmail.id)).all()
        assert len(sent) == CONTACTS
        openers, quiet = sent[::3], [e for i, e in enumerate(sent) if i % 3]  # every third one opens it
        for email in openers:
            event = EmailEventIn(
                provider_event_id=f"evt-{uuid.uuid4().hex}",
                type=EmailEventType.OPENED,
                provider_message_id=email.provider_message_id,
                occurred_at=utcnow(),
            )
            apply_email_event(session=session, event=event)
        draft = follow_ups.create_follow_up(
            session=session, channel="email", campaign_id=campaign_id, audience="not_opened", subject="Last chance"
        )
        draft_id = draft.id
        leaver = quiet[0]
        subscriptions.unsubscribe(session=session, contact_id=leaver.contact_id, channel="email", source=MARKETER)

    start(engine, Channel.EMAIL, draft_id)
    assert wait_for_status(engine, EmailCampaign, draft_id, {"sent", "failed"}) == "sent"

    expected = {e.to_address for e in quiet} - {leaver.to_address}
    assert ledger(engine, Channel.EMAIL, draft_id) == {"sent": len(expected)}
    with Session(engine) as session:
        follow_up_sent = session.exec(select(SentEmail.to_address).where(SentEmail.campaign_id == draft_id)).all()
    assert sorted(follow_up_sent) == sorted(expected)
    by_address = emulator_stats(emulator)["by_address"]
    assert emulator_stats(emulator)["duplicates"] == 0
    assert {a for a, n in by_address.items() if n == 2} == expected  # the first email, then the follow-up
    assert by_address[leaver.to_address] == 1 and all(by_address[e.to_address] == 1 for e in openers)
