"""Reads of the campaign page and the overview: replies per campaign, the feed across campaigns."""

from __future__ import annotations

from datetime import timedelta

from campaign_dashboard.models import utcnow
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType, apply_email_event
from campaign_dashboard.services.events.inbound import (
    InboundEmailIn,
    InboundSmsIn,
    apply_inbound_email,
    apply_inbound_sms,
)
from campaign_dashboard.services.events.replies import campaign_replies
from campaign_dashboard.services.stats.live import active_campaigns, latest_activity, recent_events_across
from tests.factories import make_email_campaign
from tests.helpers.events import make_sent_email, make_sms_recipient


def reply_to(session, sent, n: int, text: str):
    at = utcnow() - timedelta(minutes=10 - n)
    email = InboundEmailIn(
        provider_event_id=f"in-evt-{sent.id}-{n}",
        provider_id=f"in-{sent.id}-{n}",
        from_address=f"Someone <{sent.to_address}>",
        to=[f"reply+{sent.reply_token}@in.example.com"],
        subject=f"Re: Hello {n}",
        text=text,
        occurred_at=at,
    )
    apply_inbound_email(session=session, email=email)


def test_email_replies_of_one_campaign_newest_first(session):
    sent = make_sent_email(session)
    other = make_sent_email(session)
    reply_to(session, sent, 1, "First answer")
    reply_to(session, sent, 2, "Second   answer\nwith lines")
    reply_to(session, other, 3, "Not this campaign")

    replies = campaign_replies(session=session, channel="email", campaign_id=sent.campaign_id)
    assert [(r.subject, r.text, r.from_address, r.kind) for r in replies] == [
        ("Re: Hello 2", "Second answer with lines", sent.to_address, "reply"),
        ("Re: Hello 1", "First answer", sent.to_address, "reply"),
    ]
    assert len(campaign_replies(session=session, channel="email", campaign_id=sent.campaign_id, limit=1)) == 1


def test_sms_replies_and_keywords_of_one_campaign(session):
    recipient = make_sms_recipient(session)
    apply_inbound_sms(
        session=session,
        sms=InboundSmsIn(
            "SMin1", recipient.address, "+15005550006", "See you there", payload={"Body": "See you there"}
        ),
    )
    apply_inbound_sms(
        session=session, sms=InboundSmsIn("SMin2", recipient.address, "+15005550006", "STOP", payload={"Body": "STOP"})
    )
    replies = campaign_replies(session=session, channel="sms", campaign_id=recipient.campaign_id)
    assert [(r.kind, r.text, r.from_address) for r in replies] == [
        ("opt_out", "STOP", recipient.address),
        ("reply", "See you there", recipient.address),
    ]
    assert campaign_replies(session=session, channel="sms", campaign_id=recipient.campaign_id + 1) == []


def test_the_overview_feed_reads_only_the_campaigns_that_moved(session):
    quiet = make_email_campaign(session, status="sent", last_activity_at=utcnow() - timedelta(days=3))
    a = make_sent_email(session)
    b = make_sent_email(session)
    before = latest_activity(session=session)
    session.rollback()
    apply_email_event(
        session=session, event=EmailEventIn("d-a", EmailEventType.DELIVERED, a.provider_message_id, utcnow())
    )
    apply_email_event(
        session=session, event=EmailEventIn("d-b", EmailEventType.DELIVERED, b.provider_message_id, utcnow())
    )
    apply_email_event(
        session=session, event=EmailEventIn("o-b", EmailEventType.OPENED, b.provider_message_id, utcnow())
    )

    assert latest_activity(session=session) > before
    moved = active_campaigns(session=session, since=before)
    assert [c.id for c in moved] == [b.campaign_id, a.campaign_id]
    assert quiet.id not in [c.id for c in active_campaigns(session=session, since=before)]
    assert [c.id for c in active_campaigns(session=session)][-1] == quiet.id

    feed = recent_events_across(session=session, campaigns=moved)
    assert [(e.campaign_id, e.type) for e in feed] == [
        (b.campaign_id, "opened"),
        (b.campaign_id, "delivered"),
        (a.campaign_id, "delivered"),
    ]
    assert len(recent_events_across(session=session, campaigns=moved, limit=2)) == 2
    assert recent_events_across(session=session, campaigns=moved, since=feed[0].received_at) == []


def test_no_campaigns_no_activity(session):
    assert latest_activity(session=session) is None
    assert active_campaigns(session=session) == []
