"""A contact's history: campaigns received on both channels and the events about its messages."""

from __future__ import annotations

from datetime import timedelta

from campaign_dashboard.models import (
    EmailCampaignRecipient,
    EmailEvent,
    SentEmail,
    SmsCampaignRecipient,
    SmsEvent,
    utcnow,
)
from campaign_dashboard.services.audience.contact_history import campaigns_received, contact_events
from tests.factories import make_contact, make_email_campaign, make_sms_campaign


def add(session, *rows):
    session.add_all(rows)
    session.commit()
    return rows


def test_campaigns_received_and_events_of_one_contact_newest_first(session):
    now = utcnow()
    ada = make_contact(session, email="ada@example.com", phone="+14155552671")
    other = make_contact(session, email="other@example.com")
    spring = make_email_campaign(session, name="Spring sale", status="sent")
    flash = make_sms_campaign(session, name="Flash SMS", status="sent")
    ada_mail, other_mail = add(
        session,
        EmailCampaignRecipient(
            campaign_id=spring.id,
            contact_id=ada.id,
            address="ada@example.com",
            status="opened",
            sent_at=now - timedelta(hours=3),
        ),
        EmailCampaignRecipient(
            campaign_id=spring.id,
            contact_id=other.id,
            address="other@example.com",
            status="delivered",
            sent_at=now - timedelta(hours=3),
        ),
    )
    (ada_sms,) = add(
        session,
        SmsCampaignRecipient(
            campaign_id=flash.id,
            contact_id=ada.id,
            address="+14155552671",
            status="failed",
            last_error="30006 landline",
            updated_at=now - timedelta(hours=1),
        ),
    )
    ada_sent, other_sent = add(
        session,
        SentEmail(
            campaign_id=spring.id,
            recipient_id=ada_mail.id,
            contact_id=ada.id,
            provider_message_id="m-ada",
            to_address="ada@example.com",
        ),
        SentEmail(
            campaign_id=spring.id,
            recipient_id=other_mail.id,
            contact_id=other.id,
            provider_message_id="m-other",
            to_address="other@example.com",
        ),
    )
    add(
        session,
        EmailEvent(
            provider_event_id="e1",
            type="email.delivered",
            campaign_id=spring.id,
            recipient_id=ada_mail.id,
            sent_email_id=ada_sent.id,
            occurred_at=now - timedelta(hours=2, minutes=59),
        ),
        EmailEvent(
            provider_event_id="e2",
            type="email.clicked",
            campaign_id=spring.id,
            recipient_id=ada_mail.id,
            sent_email_id=ada_sent.id,
            link="https://example.com/shoes",
            occurred_at=now - timedelta(hours=2),
        ),
        EmailEvent(
            provider_event_id="e3",
            type="email.opened",
            campaign_id=spring.id,
            recipient_id=other_mail.id,
            sent_email_id=other_sent.id,
            occurred_at=now,
        ),
        SmsEvent(
            provider_event_id="s1",
            type="undelivered",
            campaign_id=flash.id,
            recipient_id=ada_sms.id,
            error_code="30006",
            occurred_at=now - timedelta(minutes=59),
        ),
    )

    received = campaigns_received(session=session, contact_id=ada.id)
    assert [(r.channel, r.campaign_name, r.status) for r in received] == [
        ("sms", "Flash SMS", "failed"),
        ("email", "Spring sale", "opened"),
    ]
    assert received[0].error == "30006 landline"
    assert received[1].sent_at is not None and received[1].address == "ada@example.com"

    events = contact_events(session=session, contact_id=ada.id)
    assert [(e.channel, e.type, e.campaign_name, e.detail) for e in events] == [
        ("sms", "undelivered", "Flash SMS", "error 30006"),
        ("email", "email.clicked", "Spring sale", "https://example.com/shoes"),
        ("email", "email.delivered", "Spring sale", ""),
    ]


def test_a_contact_that_was_never_messaged_has_an_empty_history(session):
    nobody = make_contact(session)
    assert campaigns_received(session=session, contact_id=nobody.id) == []
    assert contact_events(session=session, contact_id=nobody.id) == []
