"""What the campaign list pages read: status tabs with counts, search, both sort orders, paging,
and the live audience count shown while choosing a segment. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from campaign_dashboard.models import CampaignStatus, SmsStatus, Suppression
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.errors import NotFound
from campaign_dashboard.services.sending import audience_snapshot
from campaign_dashboard.services.stats import live
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign

ALL_STATUSES = [s.value for s in CampaignStatus]


def test_status_counts_match_what_each_status_tab_lists(session):
    for name, status in [("A", "draft"), ("B", "draft"), ("C", "sending"), ("D", "sent")]:
        make_email_campaign(session, name=f"Spring {name}", status=status)
    make_email_campaign(session, name="Autumn", status="sent")
    make_sms_campaign(session, name="Spring SMS", status="paused")

    counts = campaigns.status_counts(session=session, channel="email")
    assert list(counts) == ALL_STATUSES
    assert counts == {**dict.fromkeys(ALL_STATUSES, 0), "draft": 2, "sending": 1, "sent": 2}
    for status, count in counts.items():
        listed = campaigns.list_campaigns(session=session, channel="email", status=status).items
        assert len(listed) == count

    spring = campaigns.status_counts(session=session, channel="email", search="SPRING")
    assert spring["sent"] == 1 and sum(spring.values()) == 4
    assert campaigns.status_counts(session=session, channel="sms")["paused"] == 1


def test_archived_campaigns_are_neither_listed_nor_counted(session):
    kept = make_email_campaign(session, name="Kept", status="sent")
    gone = make_email_campaign(session, name="Gone", status="sent")
    campaigns.archive(session=session, channel="email", campaign_id=gone.id)

    assert campaigns.status_counts(session=session, channel="email")["sent"] == 1
    assert [c.id for c in campaigns.list_campaigns(session=session, channel="email").items] == [kept.id]


def test_oldest_first_pages_through_every_campaign_once(session):
    ids = [make_email_campaign(session, name=f"Campaign {i}").id for i in range(7)]

    seen, cursor = [], None
    while True:
        page = campaigns.list_campaigns(session=session, channel="email", limit=3, cursor=cursor, newest_first=False)
        seen += [c.id for c in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ids

    newest = campaigns.list_campaigns(session=session, channel="email", limit=3)
    assert [c.id for c in newest.items] == ids[::-1][:3]


def test_audience_count_is_who_the_campaign_would_send_to(session):
    make_contact(session, tags=["vip"], phone="+14155550101")
    make_contact(session, tags=["vip"], phone="+14155550102", sms_status=SmsStatus.OPTED_OUT)
    make_contact(session, tags=["vip"], email_status="unsubscribed", phone="+14155550103")
    make_contact(session, tags=["vip"], phone="+14155550105")
    make_contact(session, tags=["vip"], phone="+14155550105")  # one number, one message
    make_contact(session, tags=["vip"], email="blocked@example.com")
    make_contact(session, tags=["other"], phone="+14155550104")
    session.add(Suppression(channel="email", address="blocked@example.com", reason="bounced"))
    session.commit()
    segment = make_segment(session, rules=[{"field": "tag", "op": "is", "value": "vip"}])

    assert audience_snapshot.count_audience(session=session, channel="email", segment_id=segment.id) == 4
    assert audience_snapshot.count_audience(session=session, channel="sms", segment_id=segment.id) == 3

    for channel, make in (("email", make_email_campaign), ("sms", make_sms_campaign)):
        campaign = make(session, segment_id=segment.id)
        started = campaigns.apply_action(session=session, channel=channel, campaign_id=campaign.id, action="start")
        assert started.recipients == audience_snapshot.count_audience(
            session=session, channel=channel, segment_id=segment.id
        )


def test_audience_count_of_a_missing_segment_says_so(session):
    with pytest.raises(NotFound, match="Segment 424242 does not exist"):
        audience_snapshot.count_audience(session=session, channel="email", segment_id=424242)


def test_the_list_marker_moves_when_any_campaign_of_the_channel_changes(session):
    def marker() -> str:
        return live.channel_marker(session=session, channel="email")

    empty = marker()
    old_draft = make_email_campaign(session)
    campaign = make_email_campaign(session, segment_id=make_segment(session).id)
    created = marker()
    assert created != empty
    make_sms_campaign(session)
    assert marker() == created  # the other channel's list does not care

    campaigns.apply_action(session=session, channel="email", campaign_id=campaign.id, action="start")
    started = marker()
    assert started != created
    campaigns.delete(session=session, channel="email", campaign_id=old_draft.id)
    assert marker() not in (started, created)
