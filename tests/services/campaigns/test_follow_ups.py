"""Follow-ups of a finished campaign, on SQLite and PostgreSQL, over rows written by the real event
path: each audience is exactly the recipients a marketer means, frozen when the draft is made, and
never anyone suppressed or opted out."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from campaign_dashboard.models import (
    EmailCampaign,
    EmailCampaignRecipient,
    Segment,
    SegmentContact,
    SmsCampaignRecipient,
    utcnow,
)
from campaign_dashboard.services.audience import subscriptions
from campaign_dashboard.services.campaigns import actions, follow_ups
from campaign_dashboard.services.errors import Conflict, NotFound, ValidationFailed
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType, apply_email_event
from campaign_dashboard.services.events.inbound import InboundSmsIn, apply_inbound_sms
from campaign_dashboard.services.events.sms_events import SmsStatusIn, apply_sms_status
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign, random_phone
from tests.helpers.consent import MARKETER
from tests.helpers.events import make_sent_email, make_sms_recipient


def email_event(session, sent, kind: EmailEventType, *, detail=None, hard_bounce=False):
    event = EmailEventIn(
        provider_event_id=f"evt-{uuid.uuid4().hex}",
        type=kind,
        provider_message_id=sent.provider_message_id,
        occurred_at=utcnow(),
        hard_bounce=hard_bounce,
        detail=detail,
    )
    apply_email_event(session=session, event=event)


def unsent(session, campaign, contact, *, error: str, model=EmailCampaignRecipient, status="failed"):
    """A recipient the send path gave up on (`error` as it records it), or never reached."""
    address = contact.email if model is EmailCampaignRecipient else contact.phone
    session.add(model(campaign_id=campaign.id, contact_id=contact.id, address=address, status=status, last_error=error))
    session.commit()


def members(session, campaign) -> set[int]:
    rows = select(SegmentContact.contact_id).where(SegmentContact.segment_id == campaign.segment_id)
    return set(session.exec(rows).all())


def counts(session, channel, campaign) -> dict[str, int]:
    found = follow_ups.audiences(session=session, channel=channel, campaign_id=campaign.id)
    return {a.key: a.count for a in found}


@pytest.fixture
def spring(session):
    """Email campaign `spring` (sent) and what each of its recipients did."""
    campaign = make_email_campaign(
        session, name="Spring sale", status="sent", recipients=9, segment_id=make_segment(session).id
    )
    people = {
        name: make_contact(session, first_name=name)
        for name in ("opener", "clicker", "quiet", "quiet_too", "soft", "hard", "retry", "refused", "left")
    }
    sent = {
        name: make_sent_email(session, campaign=campaign, contact=people[name])
        for name in ("opener", "clicker", "quiet", "quiet_too", "soft", "hard", "left")
    }
    email_event(session, sent["opener"], EmailEventType.OPENED)
    email_event(session, sent["clicker"], EmailEventType.CLICKED)
    email_event(session, sent["soft"], EmailEventType.BOUNCED, detail="soft bounce (Transient/MailboxFull): full")
    email_event(
        session, sent["hard"], EmailEventType.BOUNCED, detail="hard bounce (Permanent/General): gone", hard_bounce=True
    )
    unsent(session, campaign, people["retry"], error="not sent after 6 attempts; last error: Resend 503: busy")
    unsent(session, campaign, people["refused"], error="Resend 422: invalid `to` address")
    # did not open, then unsubscribed: no follow-up reaches them
    subscriptions.unsubscribe(session=session, contact_id=people["left"].id, channel="email", source=MARKETER)
    return campaign, {name: c.id for name, c in people.items()}


def test_each_email_audience_is_exactly_who_the_marketer_means(session, spring):
    campaign, ids = spring
    assert counts(session, "email", campaign) == {"not_opened": 2, "not_clicked": 3, "soft_bounced": 1, "failed": 1}
    expected = {
        "not_opened": {"quiet", "quiet_too"},
        "not_clicked": {"opener", "quiet", "quiet_too"},  # an opener who did not click
        "soft_bounced": {"soft"},  # the hard bounce is suppressed
        "failed": {"retry"},  # a refused address is never retried
    }
    for audience, names in expected.items():
        draft = follow_ups.create_follow_up(
            session=session, channel="email", campaign_id=campaign.id, audience=audience
        )
        assert members(session, draft) == {ids[n] for n in names}, audience


def test_the_draft_has_the_content_a_new_subject_and_says_what_it_follows(session, spring):
    campaign, ids = spring
    draft = follow_ups.create_follow_up(
        session=session, channel="email", campaign_id=campaign.id, audience="not_opened", subject="Last chance!"
    )
    assert (draft.status, draft.subject, draft.html, draft.from_email) == (
        "draft",
        "Last chance!",
        campaign.html,
        campaign.from_email,
    )
    assert draft.name == "Spring sale — follow-up: did not open"
    assert (draft.follow_up_of, draft.follow_up_audience) == (campaign.id, "not_opened")
    segment = session.get(Segment, draft.segment_id)
    assert segment.kind == "static" and segment.name.startswith("Spring sale — did not open (email #")
    named = follow_ups.create_follow_up(
        session=session, channel="email", campaign_id=campaign.id, audience="not_opened", name="Nudge"
    )
    assert named.name == "Nudge" and named.subject == campaign.subject
    assert named.segment_id != draft.segment_id  # each follow-up freezes its own list


def test_the_set_is_frozen_and_the_send_skips_who_unsubscribed_since(session, spring):
    campaign, ids = spring
    draft = follow_ups.create_follow_up(
        session=session, channel="email", campaign_id=campaign.id, audience="not_opened"
    )
    # after creation: one of them opens the first email (the set does not move), the other unsubscribes
    opened_late = session.exec(select(EmailCampaignRecipient).where(EmailCampaignRecipient.contact_id == ids["quiet"]))
    email_event(session, opened_late.one(), EmailEventType.OPENED)
    subscriptions.unsubscribe(session=session, contact_id=ids["quiet_too"], channel="email", source=MARKETER)
    assert members(session, draft) == {ids["quiet"], ids["quiet_too"]}
    started = actions.apply_action(session=session, channel="email", campaign_id=draft.id, action="start")
    recipients = session.exec(
        select(EmailCampaignRecipient.contact_id).where(EmailCampaignRecipient.campaign_id == draft.id)
    )
    assert set(recipients.all()) == {ids["quiet"]} and started.recipients == 1


def test_refused_while_the_campaign_has_not_finished(session):
    for status in ("draft", "scheduled", "sending", "paused"):
        campaign = make_email_campaign(session, status=status, recipients=5)
        with pytest.raises(Conflict, match="once it has finished"):
            follow_ups.create_follow_up(
                session=session, channel="email", campaign_id=campaign.id, audience="not_opened"
            )
        with pytest.raises(Conflict):
            follow_ups.audiences(session=session, channel="email", campaign_id=campaign.id)
    with pytest.raises(NotFound):
        follow_ups.create_follow_up(session=session, channel="email", campaign_id=999_999, audience="not_opened")


def test_an_empty_set_is_refused_and_leaves_nothing_behind(session):
    campaign = make_email_campaign(session, status="sent", recipients=1)
    opener = make_sent_email(session, campaign=campaign, contact=make_contact(session))
    email_event(session, opener, EmailEventType.OPENED)
    with pytest.raises(Conflict, match="Nobody is left"):
        follow_ups.create_follow_up(session=session, channel="email", campaign_id=campaign.id, audience="not_opened")
    assert session.exec(select(Segment)).all() == []
    assert session.exec(select(EmailCampaign).where(EmailCampaign.follow_up_of == campaign.id)).all() == []


def test_bad_input_names_the_field(session, spring):
    campaign, _ = spring
    cases = [
        ({"audience": "opened"}, "audience"),
        ({"audience": "not_opened", "subject": ""}, "subject"),
        ({"audience": "not_opened", "name": "x" * 201}, "name"),
    ]
    for extra, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            follow_ups.create_follow_up(session=session, channel="email", campaign_id=campaign.id, **extra)
        assert caught.value.details[0]["field"] == field
    texts = make_sms_campaign(session, status="sent", recipients=1)
    with pytest.raises(ValidationFailed) as caught:
        follow_ups.create_follow_up(
            session=session, channel="sms", campaign_id=texts.id, audience="failed", subject="Hi"
        )
    assert caught.value.details[0]["field"] == "subject"


def test_sms_audiences(session):
    campaign = make_sms_campaign(session, name="Promo", status="failed", recipients=7)
    people = {
        n: make_contact(session, phone=random_phone(), first_name=n)
        for n in ("delivered", "no_receipt", "undelivered", "replied", "retry", "never_reached", "opted_out")
    }
    texts = {
        n: make_sms_recipient(session, campaign=campaign, contact=people[n])
        for n in ("delivered", "no_receipt", "undelivered", "replied", "opted_out")
    }
    for name in ("delivered", "replied", "opted_out"):
        apply_sms_status(
            session=session, event=SmsStatusIn(message_sid=texts[name].provider_message_id, status="delivered")
        )
    apply_sms_status(
        session=session, event=SmsStatusIn(message_sid=texts["undelivered"].provider_message_id, status="undelivered")
    )
    for name in ("replied", "opted_out"):
        body = "Yes please" if name == "replied" else "STOP"
        sms = InboundSmsIn(
            message_sid="SM" + uuid.uuid4().hex, from_number=people[name].phone, to_number="+15005550006", body=body
        )
        apply_inbound_sms(session=session, sms=sms)
    unsent(
        session,
        campaign,
        people["retry"],
        error="not sent after 6 attempts; last error: Twilio 503",
        model=SmsCampaignRecipient,
    )
    # the campaign failed before reaching this one
    unsent(session, campaign, people["never_reached"], error=None, model=SmsCampaignRecipient, status="pending")
    assert counts(session, "sms", campaign) == {"not_delivered": 2, "failed": 2, "not_replied": 2}
    expected = {
        "not_delivered": {"no_receipt", "undelivered"},
        "failed": {"retry", "never_reached"},
        "not_replied": {"delivered", "no_receipt"},  # STOP is no reply, and opted out anyway
    }
    for audience, names in expected.items():
        draft = follow_ups.create_follow_up(session=session, channel="sms", campaign_id=campaign.id, audience=audience)
        assert members(session, draft) == {people[n].id for n in names}, audience
        assert draft.body == campaign.body and draft.status == "draft"


def test_a_follow_up_keeps_the_topic_and_leaves_out_who_left_it(session, spring):
    from campaign_dashboard.models import Topic, TopicOptOut

    campaign, ids = spring
    offers = Topic(name="Offers")
    session.add(offers)
    session.commit()
    campaign.topic_id = offers.id
    session.add(campaign)
    session.add(TopicOptOut(topic_id=offers.id, channel="email", contact_id=ids["quiet"]))
    session.commit()
    assert counts(session, "email", campaign)["not_opened"] == 1
    draft = follow_ups.create_follow_up(
        session=session, channel="email", campaign_id=campaign.id, audience="not_opened"
    )
    assert draft.topic_id == offers.id and members(session, draft) == {ids["quiet_too"]}
