"""Topics: names unique in any case, a used topic cannot be deleted, and a campaign with a topic
leaves out the contacts opted out of it on its channel, by the same query that counts the audience.
A topic's ledger entries are about the topic only: they never block or lift the channel."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import (
    Channel,
    EmailCampaignRecipient,
    SegmentContact,
    SmsCampaignRecipient,
    Topic,
    TopicOptOut,
)
from campaign_dashboard.services.audience import consent, subscriptions, topics
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource, SourceKind
from campaign_dashboard.services.errors import Conflict, NotFound, ValidationFailed
from campaign_dashboard.services.sending.audience_snapshot import count_audience, snapshot_audience
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign, random_phone
from tests.helpers.consent import MARKETER

CENTRE = ConsentSource(SourceKind.PREFERENCE_CENTRE, "preference centre, from tests")


def test_topic_names_are_unique_in_any_case_and_checked(session: Session):
    news = topics.create_topic(session=session, name="  Newsletter ", description="Once a month")
    assert (news.name, news.description) == ("Newsletter", "Once a month")
    with pytest.raises(Conflict) as taken:
        topics.create_topic(session=session, name="NEWSLETTER")
    assert taken.value.details[0]["field"] == "name"
    for name in ("", "   ", "x" * 101, "Line\nbreak"):
        with pytest.raises(ValidationFailed) as bad:
            topics.create_topic(session=session, name=name)
        assert bad.value.details[0]["field"] == "name"
    with pytest.raises(ValidationFailed) as long:
        topics.create_topic(session=session, name="Offers", description="d" * 501)
    assert long.value.details[0]["field"] == "description"

    offers = topics.create_topic(session=session, name="offers")
    with pytest.raises(Conflict):
        topics.update_topic(session=session, topic_id=offers.id, name="newsletter")
    assert topics.update_topic(session=session, topic_id=offers.id, name="Offers").name == "Offers"
    assert [t.name for t in topics.list_topics(session=session)] == ["Newsletter", "Offers"]
    with pytest.raises(NotFound):
        topics.update_topic(session=session, topic_id=999_999, name="Gone")


def test_a_topic_a_campaign_targets_cannot_be_deleted_and_an_unused_one_takes_its_opt_outs(session: Session):
    used = topics.create_topic(session=session, name="Product updates")
    unused = topics.create_topic(session=session, name="Events")
    make_sms_campaign(session, name="Launch texts", topic_id=used.id)
    contact = make_contact(session)
    session.add(TopicOptOut(topic_id=unused.id, channel="email", contact_id=contact.id))
    session.commit()

    with pytest.raises(Conflict) as refused:
        topics.delete_topic(session=session, topic_id=used.id)
    assert "Launch texts" in refused.value.message and refused.value.details[0]["field"] == "topic_id"
    assert session.get(Topic, used.id) is not None

    topics.delete_topic(session=session, topic_id=unused.id)
    session.expire_all()
    assert session.get(Topic, unused.id) is None
    assert session.exec(select(TopicOptOut)).all() == []


def test_the_snapshot_leaves_out_contacts_opted_out_of_the_campaigns_topic_on_its_channel(session: Session):
    offers = topics.create_topic(session=session, name="Offers")
    news = topics.create_topic(session=session, name="Newsletter")
    stays, leaves_offers, leaves_news, texts_only = (make_contact(session, phone=random_phone()) for _ in range(4))
    session.add_all(
        [
            TopicOptOut(topic_id=offers.id, channel="email", contact_id=leaves_offers.id),
            TopicOptOut(topic_id=news.id, channel="email", contact_id=leaves_news.id),
            TopicOptOut(topic_id=offers.id, channel="sms", contact_id=texts_only.id),
        ]
    )
    segment = make_segment(session, kind="static")
    everyone = (stays, leaves_offers, leaves_news, texts_only)
    session.add_all(SegmentContact(segment_id=segment.id, contact_id=c.id) for c in everyone)
    session.commit()

    def audience(channel: Channel, **fields) -> set[int]:
        make = make_email_campaign if channel is Channel.EMAIL else make_sms_campaign
        campaign = make(session, segment_id=segment.id, **fields)
        counted = count_audience(
            session=session, channel=channel, segment_id=segment.id, topic_id=fields.get("topic_id")
        )
        assert snapshot_audience(session=session, channel=channel, campaign=campaign) == counted
        session.commit()
        Recipient = EmailCampaignRecipient if channel is Channel.EMAIL else SmsCampaignRecipient
        return set(session.exec(select(Recipient.contact_id).where(Recipient.campaign_id == campaign.id)).all())

    assert audience(Channel.EMAIL, topic_id=offers.id) == {stays.id, leaves_news.id, texts_only.id}
    assert audience(Channel.EMAIL, topic_id=news.id) == {stays.id, leaves_offers.id, texts_only.id}
    assert audience(Channel.EMAIL) == {c.id for c in everyone}  # no topic: only channel consent
    assert audience(Channel.SMS, topic_id=offers.id) == {stays.id, leaves_offers.id, leaves_news.id}


def test_a_topic_entry_neither_blocks_nor_lifts_the_channel(session: Session):
    contact = make_contact(session)
    consent.record(
        session=session,
        contact_id=contact.id,
        channel="email",
        address=contact.email,
        event=ConsentEvent.OPTED_OUT,
        source=CENTRE,
        topic="Offers",
    )
    session.commit()
    subscriptions.unsubscribe(session=session, contact_id=contact.id, channel="email", source=MARKETER)
    # The staff unsubscribe stays the channel's last word: staff may undo it, a topic entry is no block.
    assert subscriptions.resubscribe(session=session, contact_id=contact.id, channel="email", source=MARKETER)
    session.expire_all()
    assert contact.email_status == "subscribed"


def test_a_campaigns_topic_must_exist(session: Session):
    from campaign_dashboard.services.campaigns import records

    segment = make_segment(session)
    values = {"name": "Sale", "segment_id": segment.id, "subject": "Hi", "from_email": "a@example.com", "html": "x"}
    with pytest.raises(ValidationFailed) as refused:
        records.create(session=session, channel="email", data={**values, "topic_id": 424242})
    assert refused.value.details[0]["field"] == "topic_id"
    offers = topics.create_topic(session=session, name="Offers")
    created = records.create(session=session, channel="email", data={**values, "topic_id": offers.id})
    assert created.topic_id == offers.id
