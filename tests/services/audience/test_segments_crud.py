"""Segments: rule sets and static lists are saved only when valid, counted live, and deleted only
when no campaign's history depends on them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from campaign_dashboard.models import EmailCampaign, Segment, SegmentContact, SmsCampaign
from campaign_dashboard.services.audience import segments
from campaign_dashboard.services.audience.segments import SegmentCreate, SegmentUpdate
from campaign_dashboard.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_contact, make_email_campaign, make_sms_campaign


def create(session, **fields):
    return segments.create_segment(session=session, data=SegmentCreate(**fields))


def update(session, segment_id, **fields):
    return segments.update_segment(session=session, segment_id=segment_id, data=SegmentUpdate(**fields))


def count(session, segment_id):
    return segments.count_segment(session=session, segment_id=segment_id)


def test_a_rules_segment_counts_the_contacts_it_matches(session):
    make_contact(session, tags=["vip"], attributes={"plan": "pro"})
    make_contact(session, tags=["vip"], attributes={"plan": "free"})
    make_contact(session, attributes={"plan": "pro"})

    vip_pro = create(
        session,
        name="  VIP on pro ",
        rules=[{"field": "tag", "op": "is", "value": "vip"}, {"field": "attributes.plan", "op": "is", "value": "pro"}],
    )
    either = create(
        session,
        name="VIP or pro",
        match="any",
        rules=[{"field": "tag", "op": "is", "value": "vip"}, {"field": "attributes.plan", "op": "is", "value": "pro"}],
    )

    assert vip_pro.name == "VIP on pro"
    assert count(session, vip_pro.id) == 1
    assert count(session, either.id) == 3


def test_invalid_rules_are_refused_with_the_field_of_each_problem(session):
    with pytest.raises(ValidationFailed) as exc:
        create(
            session,
            name="Broken",
            match="some",
            rules=[
                {"field": "tag", "op": "is", "value": "ok"},
                {"field": "shoe_size", "op": "is", "value": "42"},
                {"field": "created_at", "op": "contains", "value": "2024"},
                {"field": "email_status", "op": "is", "value": "maybe"},
            ],
        )
    fields = {d["field"] for d in exc.value.details}
    assert fields == {"match", "rules[1].field", "rules[2].op", "rules[3].value"}
    assert session.exec(select(Segment)).all() == []


def test_a_static_segment_holds_exactly_its_contacts(session):
    a, b, _ = (make_contact(session) for _ in range(3))
    segment = create(session, name="Hand-picked", kind="static", contact_ids=[a.id, b.id, a.id])

    assert count(session, segment.id) == 2
    assert segments.member_ids(session=session, segment_ids=[segment.id]) == {segment.id: sorted([a.id, b.id])}


def test_a_static_segment_refuses_unknown_contacts_and_rules(session):
    a = make_contact(session)
    with pytest.raises(ValidationFailed, match="1 contact\\(s\\) do not exist: 999"):
        create(session, name="S", kind="static", contact_ids=[a.id, 999])
    with pytest.raises(ValidationFailed) as exc:
        create(session, name="S", kind="static", rules=[{"field": "tag", "op": "is", "value": "x"}])
    assert exc.value.details[0]["field"] == "rules"
    with pytest.raises(ValidationFailed) as exc:
        create(session, name="S", kind="list")
    assert exc.value.details[0]["field"] == "kind"
    assert session.exec(select(Segment)).all() == []


def test_segment_names_are_unique_ignoring_case(session):
    create(session, name="Customers")
    with pytest.raises(Conflict, match="already exists"):
        create(session, name="customers")
    other = create(session, name="Prospects")
    with pytest.raises(Conflict):
        update(session, other.id, name="CUSTOMERS")


def test_update_changes_rules_and_membership(session):
    a, b = make_contact(session, tags=["x"]), make_contact(session)
    segment = create(session, name="X", rules=[{"field": "tag", "op": "is", "value": "x"}])
    assert count(session, segment.id) == 1

    update(session, segment.id, rules=[])  # no rules: everyone
    assert count(session, segment.id) == 2

    update(session, segment.id, kind="static", contact_ids=[b.id])
    assert count(session, segment.id) == 1
    assert session.get(Segment, segment.id).rules == []

    update(session, segment.id, name="Renamed")  # members untouched
    assert count(session, segment.id) == 1

    update(session, segment.id, kind="rules", rules=[{"field": "tag", "op": "is_not", "value": "x"}])
    assert count(session, segment.id) == 1
    assert session.exec(select(SegmentContact)).all() == []
    assert a.id not in segments.member_ids(session=session, segment_ids=[segment.id])[segment.id]


def test_a_refused_update_changes_nothing(session):
    segment = create(session, name="Keep", rules=[{"field": "tag", "op": "is", "value": "x"}])
    with pytest.raises(ValidationFailed):
        update(session, segment.id, name="New name", rules=[{"field": "nope", "op": "is", "value": 1}])
    session.rollback()
    session.expire_all()
    stored = session.get(Segment, segment.id)
    assert (stored.name, stored.rules) == ("Keep", [{"field": "tag", "op": "is", "value": "x"}])


def test_preview_counts_rules_without_saving(session):
    make_contact(session, created_at=datetime(2020, 1, 1, tzinfo=UTC))
    make_contact(session)
    rules = [{"field": "created_at", "op": "after", "value": "2021-01-01"}]
    assert segments.preview_count(session=session, rules=rules) == 1
    assert session.exec(select(Segment)).all() == []


def test_list_pages_through_segments_and_searches_by_name(session):
    made = [create(session, name=f"Segment {i}") for i in range(7)]
    seen, cursor = [], None
    while True:
        page = segments.list_segments(session=session, cursor=cursor, limit=3)
        seen += [s.id for s in page.items]
        if not (cursor := page.next_cursor):
            break
    assert seen == [s.id for s in made]
    assert [s.name for s in segments.list_segments(session=session, search="segment 3").items] == ["Segment 3"]


def test_deleting_a_segment_used_only_by_drafts_detaches_them(session):
    segment = create(session, name="Drafts only")
    draft = make_email_campaign(session, segment_id=segment.id)
    sms_draft = make_sms_campaign(session, segment_id=segment.id)

    segments.delete_segment(session=session, segment_id=segment.id)

    session.expire_all()
    assert session.get(Segment, segment.id) is None
    assert session.get(EmailCampaign, draft.id).segment_id is None
    assert session.get(SmsCampaign, sms_draft.id).segment_id is None


@pytest.mark.parametrize("status", ["scheduled", "sending", "sent", "cancelled"])
def test_deleting_a_segment_a_live_or_past_campaign_used_is_a_conflict(session, status):
    segment = create(session, name="In use", kind="static", contact_ids=[make_contact(session).id])
    make_sms_campaign(session, name="Spring sale", segment_id=segment.id, status=status)

    with pytest.raises(Conflict, match="'Spring sale'"):
        segments.delete_segment(session=session, segment_id=segment.id)

    session.rollback()
    assert count(session, segment.id) == 1


def test_missing_segment_is_not_found(session):
    with pytest.raises(NotFound):
        count(session, 12345)
    with pytest.raises(NotFound):
        segments.delete_segment(session=session, segment_id=12345)
