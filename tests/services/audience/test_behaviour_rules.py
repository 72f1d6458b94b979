"""Behaviour rules (what contacts did with campaigns), evaluated by SQLite and PostgreSQL over rows
written by the real event path: opens, clicks, bounces, replies and SMS statuses applied as the
webhooks apply them, so each op is checked against exactly the contacts a marketer would expect."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from campaign_dashboard.models import Channel, Contact, EmailCampaignRecipient, Segment, utcnow
from campaign_dashboard.services.audience.segment_rules import count_contacts, validate_rules
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType, apply_email_event
from campaign_dashboard.services.events.inbound import (
    InboundEmailIn,
    InboundSmsIn,
    apply_inbound_email,
    apply_inbound_sms,
)
from campaign_dashboard.services.events.sms_events import SmsStatusIn, apply_sms_status
from campaign_dashboard.services.sending.audience_snapshot import snapshot_audience
from tests.factories import make_contact, make_email_campaign, make_sms_campaign, random_phone
from tests.helpers.events import make_sent_email, make_sms_recipient
from tests.helpers.segments import names_matching


def days_ago(n: float):
    return utcnow() - timedelta(days=n)


def email_event(session, sent, kind: EmailEventType, *, at=None, hard_bounce=False):
    event = EmailEventIn(
        provider_event_id=f"evt-{uuid.uuid4().hex}",
        type=kind,
        provider_message_id=sent.provider_message_id,
        occurred_at=at or utcnow(),
        hard_bounce=hard_bounce,
    )
    apply_email_event(session=session, event=event)


def sent_email(session, campaign, contact, *, sent_days_ago: float):
    sent = make_sent_email(session, campaign=campaign, contact=contact)
    sent.sent_at = days_ago(sent_days_ago)
    session.add(sent)
    session.commit()
    return sent


def reply_by_email(session, sent):
    email = InboundEmailIn(
        provider_event_id=f"msg_{uuid.uuid4().hex}",
        provider_id=str(uuid.uuid4()),
        from_address=sent.to_address,
        to=[f"reply+{sent.reply_token}@in.example.com"],
        subject="Re: Hello",
        text="Count me in",
    )
    apply_inbound_email(session=session, email=email)


def text_back(session, contact, body: str):
    sms = InboundSmsIn(
        message_sid="SM" + uuid.uuid4().hex, from_number=contact.phone, to_number="+15005550006", body=body
    )
    apply_inbound_sms(session=session, sms=sms)


def sms_status(session, recipient, status: str):
    apply_sms_status(session=session, event=SmsStatusIn(message_sid=recipient.provider_message_id, status=status))


@pytest.fixture
def world(session):
    """Six contacts; email campaign `spring` (sent 20 days ago), `winter` (sent 100 days ago) and
    SMS campaign `promo`, with what each contact did:

    | contact | spring                         | winter               | promo                  |
    | Ann     | opened and clicked now         |                      | delivered, replied     |
    | Bob     | opened 10 days ago             |                      | delivered              |
    | Cy      | nothing                        | opened 60 days ago   | sent, answered STOP    |
    | Di      | hard bounce                    |                      | failed                 |
    | Eve     | replied by email, no open      | nothing              |                        |
    | Fay     | (never emailed)                |                      |                        |
    """
    people = {
        name: make_contact(session, first_name=name, phone=random_phone(), tags=tags, attributes=attributes)
        for name, tags, attributes in [
            ("Ann", ["vip"], {"plan": "pro"}),
            ("Bob", [], {"plan": "pro"}),
            ("Cy", ["vip"], {"plan": "free"}),
            ("Di", [], {}),
            ("Eve", [], {}),
            ("Fay", ["vip"], {}),
        ]
    }
    spring = make_email_campaign(session, name="Spring", status="sent")
    winter = make_email_campaign(session, name="Winter", status="sent")
    promo = make_sms_campaign(session, name="Promo", status="sent")
    sent = {
        name: sent_email(session, spring, people[name], sent_days_ago=20) for name in ("Ann", "Bob", "Cy", "Di", "Eve")
    }
    email_event(session, sent["Ann"], EmailEventType.OPENED)
    email_event(session, sent["Ann"], EmailEventType.CLICKED)
    email_event(session, sent["Bob"], EmailEventType.OPENED, at=days_ago(10))
    email_event(session, sent["Di"], EmailEventType.BOUNCED, hard_bounce=True)
    reply_by_email(session, sent["Eve"])
    cy_winter = sent_email(session, winter, people["Cy"], sent_days_ago=100)
    sent_email(session, winter, people["Eve"], sent_days_ago=100)
    email_event(session, cy_winter, EmailEventType.OPENED, at=days_ago(60))

    texts = {
        name: make_sms_recipient(session, campaign=promo, contact=people[name]) for name in ("Ann", "Bob", "Cy", "Di")
    }
    for name, status in [("Ann", "delivered"), ("Bob", "delivered"), ("Cy", "sent"), ("Di", "failed")]:
        sms_status(session, texts[name], status)
    text_back(session, people["Ann"], "Sounds good, see you there")
    text_back(session, people["Cy"], "STOP")
    return {"spring": spring.id, "winter": winter.id, "promo": promo.id}


def names(session, rules, match="all") -> set[str]:
    validate_rules(rules, match, session=session)
    return names_matching(session, rules, match)


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("received", {"Ann", "Bob", "Cy", "Eve"}),  # Di's bounced
        ("opened", {"Ann", "Bob"}),
        ("clicked", {"Ann"}),
        ("bounced", {"Di"}),
        ("replied", {"Eve"}),
        ("not_opened", {"Cy", "Eve"}),  # only among those who received it: not Di, not Fay
        ("not_clicked", {"Bob", "Cy", "Eve"}),
    ],
)
def test_what_contacts_did_with_an_email_campaign(session, world, op, expected):
    assert names(session, [{"field": "email_campaign", "op": op, "value": world["spring"]}]) == expected


def test_a_campaign_id_may_come_as_text_as_the_rule_builder_sends_it(session, world):
    assert names(session, [{"field": "email_campaign", "op": "opened", "value": str(world["winter"])}]) == {"Cy"}


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("delivered", {"Ann", "Bob"}),
        ("replied", {"Ann"}),  # Cy's STOP is a keyword, not a reply
        ("not_replied", {"Bob", "Cy"}),  # Di's text failed: never reached her
    ],
)
def test_what_contacts_did_with_an_sms_campaign(session, world, op, expected):
    assert names(session, [{"field": "sms_campaign", "op": op, "value": world["promo"]}]) == expected


@pytest.mark.parametrize(
    ("op", "days", "expected"),
    [
        ("opened_within_days", 7, {"Ann"}),
        ("opened_within_days", 30, {"Ann", "Bob"}),
        ("opened_within_days", 90, {"Ann", "Bob", "Cy"}),
        ("clicked_within_days", 30, {"Ann"}),
        ("not_engaged_for_days", 5, {"Bob", "Cy", "Eve"}),
        ("not_engaged_for_days", 15, {"Cy", "Eve"}),
        # Only winter went out 30+ days ago (to Cy and Eve); Cy opened it 60 days ago.
        ("not_engaged_for_days", 30, {"Cy", "Eve"}),
        ("not_engaged_for_days", 90, {"Eve"}),
    ],
)
def test_engagement_in_the_last_days(session, world, op, days, expected):
    assert names(session, [{"field": "email_engagement", "op": op, "value": days}]) == expected


def test_last_engagement_before_and_after_a_date(session, world):
    cut = days_ago(15).date().isoformat()
    assert names(session, [{"field": "last_engagement", "op": "after", "value": cut}]) == {"Ann", "Bob"}
    # Never opening nor clicking is no "last engagement": Di, Eve and Fay match neither.
    assert names(session, [{"field": "last_engagement", "op": "before", "value": cut}]) == {"Cy"}


def test_a_reopen_of_an_old_email_counts_as_recent_engagement(session, world):
    gus = make_contact(session, first_name="Gus")
    old = sent_email(session, make_email_campaign(session, status="sent"), gus, sent_days_ago=200)
    email_event(session, old, EmailEventType.OPENED, at=days_ago(150))
    email_event(session, old, EmailEventType.OPENED, at=days_ago(2))
    email_event(session, old, EmailEventType.OPENED, at=days_ago(100))  # late and out of order
    assert "Gus" in names(session, [{"field": "email_engagement", "op": "opened_within_days", "value": 7}])
    assert "Gus" not in names(session, [{"field": "email_engagement", "op": "not_engaged_for_days", "value": 7}])


def test_behaviour_combines_with_tags_and_attributes(session, world):
    opened_spring = {"field": "email_campaign", "op": "opened", "value": world["spring"]}
    vip = {"field": "tag", "op": "is", "value": "vip"}
    assert names(session, [opened_spring, vip], "all") == {"Ann"}
    assert names(session, [opened_spring, vip], "any") == {"Ann", "Bob", "Cy", "Fay"}
    no_reply = {"field": "sms_campaign", "op": "not_replied", "value": world["promo"]}
    pro = {"field": "attributes.plan", "op": "is", "value": "pro"}
    assert names(session, [no_reply, pro]) == {"Bob"}
    recent = {"field": "email_engagement", "op": "opened_within_days", "value": "30"}
    not_spring = {"field": "email_campaign", "op": "not_clicked", "value": world["spring"]}
    assert names(session, [recent, not_spring]) == {"Bob"}


def test_a_campaign_started_on_a_behaviour_segment_snapshots_exactly_its_members(session, world):
    segment = Segment(
        name="Spring, not opened",
        kind="rules",
        rules=[{"field": "email_campaign", "op": "not_opened", "value": world["spring"]}],
    )
    session.add(segment)
    session.commit()
    follow_up = make_email_campaign(session, name="Follow-up", segment_id=segment.id, status="sending")
    assert snapshot_audience(session=session, channel=Channel.EMAIL, campaign=follow_up) == 2
    session.commit()
    ledger = select(Contact.first_name).join(EmailCampaignRecipient, EmailCampaignRecipient.contact_id == Contact.id)
    assert set(session.exec(ledger.where(EmailCampaignRecipient.campaign_id == follow_up.id)).all()) == {"Cy", "Eve"}


def test_a_rule_on_a_deleted_campaign_matches_nobody(session, world):
    assert names(session, [{"field": "email_campaign", "op": "received", "value": world["spring"]}])
    segment = Segment(name="s", kind="rules", rules=[{"field": "email_campaign", "op": "not_opened", "value": 99999}])
    assert count_contacts(session=session, segment=segment) == 0


def problems(session, rules) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_rules(rules, "all", session=session)
    return {d["field"]: d["message"] for d in caught.value.details}


def test_bad_behaviour_rules_are_refused_naming_the_rule_and_part(session, world):
    found = problems(
        session,
        [
            {"field": "email_campaign", "op": "delivered", "value": world["spring"]},
            {"field": "email_campaign", "op": "opened", "value": 99999},
            {"field": "sms_campaign", "op": "replied", "value": 99998},
            {"field": "email_campaign", "op": "opened", "value": ""},
            {"field": "email_engagement", "op": "opened_within_days", "value": 0},
            {"field": "email_engagement", "op": "not_engaged_for_days", "value": 100000},
            {"field": "email_engagement", "op": "clicked_within_days", "value": "a week"},
            {"field": "email_engagement", "op": "clicked_within_days", "value": True},
            {"field": "last_engagement", "op": "before", "value": "last spring"},
            {"field": "last_engagement", "op": "opened_within_days", "value": 3},
        ],
    )
    assert set(found) == {
        "rules[0].op",
        "rules[1].value",
        "rules[2].value",
        "rules[3].value",
        "rules[4].value",
        "rules[5].value",
        "rules[6].value",
        "rules[7].value",
        "rules[8].value",
        "rules[9].op",
    }
    assert "received" in found["rules[0].op"] and "not_clicked" in found["rules[0].op"]
    assert found["rules[1].value"] == "there is no email campaign with id 99999"
    assert found["rules[2].value"] == "there is no SMS campaign with id 99998"
    assert found["rules[3].value"] == "choose an email campaign"
    assert "between 1 and 3,650" in found["rules[4].value"] and "between 1 and 3,650" in found["rules[5].value"]
    assert "whole number" in found["rules[6].value"] and "whole number" in found["rules[7].value"]
    assert "ISO date" in found["rules[8].value"]
