"""The live feed the dashboard polls: a change marker, the newest events and minute buckets."""

from __future__ import annotations

from datetime import timedelta

from campaign_dashboard.models import utcnow
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType, apply_email_event
from campaign_dashboard.services.events.sms_events import SmsStatusIn, apply_sms_status
from campaign_dashboard.services.stats.live import activity_marker, minute_series, recent_events
from tests.helpers.events import make_sent_email, make_sms_recipient


def test_an_event_moves_the_marker_and_shows_in_the_feed_and_the_chart(session):
    sent = make_sent_email(session)
    before = activity_marker(session=session, channel="email", campaign_id=sent.campaign_id)
    session.rollback()
    at = utcnow().replace(second=30, microsecond=0) - timedelta(minutes=2)
    apply_email_event(session=session, event=EmailEventIn("e1", EmailEventType.DELIVERED, sent.provider_message_id, at))
    apply_email_event(session=session, event=EmailEventIn("e2", EmailEventType.OPENED, sent.provider_message_id, at))
    apply_email_event(
        session=session,
        event=EmailEventIn("e3", EmailEventType.OPENED, sent.provider_message_id, at + timedelta(minutes=1)),
    )

    assert activity_marker(session=session, channel="email", campaign_id=sent.campaign_id) > before
    feed = recent_events(session=session, campaign_id=sent.campaign_id)
    assert [e.type for e in feed] == ["opened", "opened", "delivered"]
    assert feed[0].address == sent.to_address
    newest = feed[0].received_at
    assert recent_events(session=session, campaign_id=sent.campaign_id, since=newest) == []

    series = minute_series(
        session=session, channel="email", campaign_id=sent.campaign_id, metrics=["opened", "unique_opens", "delivered"]
    )
    minute = at.replace(second=0)
    assert series["opened"] == [(minute, 1), (minute + timedelta(minutes=1), 1)]
    assert series["unique_opens"] == [(minute, 1)]
    assert series["delivered"] == [(minute, 1)]


def test_the_feed_mixes_channels_newest_first(session):
    sent = make_sent_email(session)
    recipient = make_sms_recipient(session)
    apply_email_event(
        session=session, event=EmailEventIn("e1", EmailEventType.DELIVERED, sent.provider_message_id, utcnow())
    )
    apply_sms_status(session=session, event=SmsStatusIn(recipient.provider_message_id, "delivered"))
    feed = recent_events(session=session)
    assert [(e.channel, e.type) for e in feed] == [("sms", "delivered"), ("email", "delivered")]
    assert [e.channel for e in recent_events(session=session, channel="email")] == ["email"]
    assert len(recent_events(session=session, limit=1)) == 1
