"""The segments list: readable rules and live member counts."""

from __future__ import annotations

from campaign_dashboard.models import SegmentContact
from campaign_dashboard.services.audience.segment_summaries import describe_rules, segment_summaries
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign


def test_rules_read_as_a_sentence():
    assert describe_rules([], "all") == "every contact"
    assert (
        describe_rules(
            [
                {"field": "tag", "op": "is", "value": "vip"},
                {"field": "attributes.plan", "op": "is_not", "value": "free"},
            ],
            "all",
        )
        == "tag is vip AND plan is not free"
    )
    assert (
        describe_rules(
            [
                {"field": "email_status", "op": "is", "value": "subscribed"},
                {"field": "first_name", "op": "contains", "value": "an"},
            ],
            "any",
        )
        == "email status is subscribed OR first name contains an"
    )


def test_each_segment_is_listed_by_name_with_its_current_member_count(session):
    ada = make_contact(session, tags=["vip"])
    make_contact(session, tags=["vip"])
    make_contact(session)
    make_segment(session, name="VIPs", rules=[{"field": "tag", "op": "is", "value": "vip"}])
    static = make_segment(session, name="Hand picked", kind="static")
    session.add(SegmentContact(segment_id=static.id, contact_id=ada.id))
    session.commit()
    make_segment(session, name="Everyone")

    rows = segment_summaries(session=session)

    assert [(r.name, r.kind, r.summary, r.members) for r in rows] == [
        ("Everyone", "rules", "every contact", 3),
        ("Hand picked", "static", "static list", 1),
        ("VIPs", "rules", "tag is vip", 2),
    ]
    make_contact(session, tags=["vip"])
    assert [r.members for r in segment_summaries(session=session)] == [4, 1, 3]


def test_behaviour_rules_read_as_a_sentence_with_the_campaign_names(session):
    spring = make_email_campaign(session, name="Spring sale", status="sent")
    promo = make_sms_campaign(session, name="Promo", status="sent")
    make_segment(
        session,
        name="Behaviour",
        match="any",
        rules=[
            {"field": "email_campaign", "op": "not_opened", "value": spring.id},
            {"field": "sms_campaign", "op": "replied", "value": str(promo.id)},
            {"field": "email_engagement", "op": "opened_within_days", "value": 30},
            {"field": "last_engagement", "op": "before", "value": "2026-01-31"},
        ],
    )
    (summary,) = segment_summaries(session=session)
    assert summary.summary == (
        "did not open email 'Spring sale' OR replied to SMS 'Promo' OR "
        "opened or clicked an email in the last 30 days OR last opened or clicked before 2026-01-31"
    )
