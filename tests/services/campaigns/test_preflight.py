"""`campaigns.preflight`: a campaign is rendered for the real contacts of its audience before it may
start or be scheduled, and what would break is reported grouped, with how many contacts it hits
and a few of their addresses; `commands` refuses to start or schedule it meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from campaign_dashboard.models import CampaignStatus, Channel, EmailCampaignRecipient, SmsCampaignRecipient
from campaign_dashboard.services.campaigns import commands, preflight
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.campaigns.preflight import Kind
from campaign_dashboard.services.errors import ValidationFailed
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign

FUTURE = datetime(2099, 1, 1, 9, 0, tzinfo=UTC)


class NoQueue:
    """A `CampaignQueue` that must never be told anything (the change is refused)."""

    def after_action(self, channel, campaign, action) -> None:
        raise AssertionError(f"queued {action} for a refused campaign")

    def scheduled_start(self, channel, campaign) -> None:
        raise AssertionError("queued the start of a refused campaign")


@pytest.fixture
def vip(session):
    """A segment of five VIP contacts, two of them without a city attribute."""
    segment = make_segment(session, rules=[{"field": "tag", "op": "is", "value": "vip"}])
    for i in range(3):
        make_contact(session, tags=["vip"], email=f"city{i}@example.com", attributes={"city": "Lisbon"})
    for i in range(2):
        make_contact(session, tags=["vip"], email=f"nocity{i}@example.com")
    make_contact(session, tags=["other"], email="outside@example.com")  # not in the audience
    return segment


def values(campaign) -> dict:
    return preflight.campaign_values(Channel.EMAIL, campaign)


def test_a_campaign_every_contact_can_get_passes(session, vip):
    campaign = make_email_campaign(
        session, segment_id=vip.id, html="<p>Hi {{ first_name }} from {{ city | default('') }}</p>"
    )
    result = preflight.check(session=session, channel="email", values=values(campaign))
    assert result.ok and (result.audience, result.checked, result.sampled) == (5, 5, False)


def test_a_misspelt_variable_is_reported_once_for_every_contact_with_examples(session, vip):
    campaign = make_email_campaign(session, segment_id=vip.id, html="<p>Hi {{ frist_name }}</p>")
    result = preflight.check(session=session, channel="email", values=values(campaign))
    assert not result.ok
    [problem] = result.problems
    assert (problem.kind, problem.field, problem.contacts) == (Kind.UNDEFINED, "html", 5)
    assert problem.message == (
        "line 1: 'frist_name' is not a contact field in {{ frist_name }}; did you mean 'first_name'?"
    )
    assert len(problem.examples) == preflight.EXAMPLES
    assert all(e.endswith("@example.com") and e != "outside@example.com" for e in problem.examples)


def test_a_variable_only_some_contacts_lack_counts_just_them(session, vip):
    campaign = make_email_campaign(session, segment_id=vip.id, subject="News for {{ city }}")
    [problem] = preflight.check(session=session, channel="email", values=values(campaign)).problems
    assert (problem.kind, problem.field, problem.contacts) == (Kind.UNDEFINED, "subject", 2)
    assert sorted(problem.examples) == ["nocity0@example.com", "nocity1@example.com"]


def test_render_errors_and_undefined_variables_are_separate_groups(session, vip):
    html = "{% if city is defined %}{{ 1 / 0 }}{% else %}{{ missing }}{% endif %}"
    campaign = make_email_campaign(session, segment_id=vip.id, html=html)
    problems = preflight.check(session=session, channel="email", values=values(campaign)).problems
    by_kind = {p.kind: p for p in problems}
    assert by_kind[Kind.RENDER].contacts == 3 and "division by zero" in by_kind[Kind.RENDER].message
    assert by_kind[Kind.UNDEFINED].contacts == 2 and "'missing'" in by_kind[Kind.UNDEFINED].message


def test_an_sms_longer_than_one_message_for_some_contacts_is_reported(session):
    segment = make_segment(session, rules=[{"field": "tag", "op": "is", "value": "sms"}])
    make_contact(session, tags=["sms"], phone="+14155550101", attributes={"note": "x" * 2000})
    make_contact(session, tags=["sms"], phone="+14155550102", attributes={"note": "short"})
    campaign = make_sms_campaign(session, segment_id=segment.id, body="Hi {{ note }}")
    result = preflight.check(session=session, channel="sms", values=preflight.campaign_values("sms", campaign))
    [problem] = result.problems
    assert (problem.kind, problem.field, problem.contacts, problem.examples) == (
        Kind.TOO_LONG,
        "body",
        1,
        ["+14155550101"],
    )


def test_a_large_audience_is_checked_on_a_bounded_sample(session, vip):
    campaign = make_email_campaign(session, segment_id=vip.id, html="<p>{{ frist_name }}</p>")
    result = preflight.check(session=session, channel="email", values=values(campaign), sample_size=3)
    assert (result.audience, result.checked, result.sampled) == (5, 3, True)
    assert result.problems[0].contacts == 3
    assert "a random sample of 3 of the 5 recipients" in result.refusal(campaign.name).message


def test_starting_is_refused_naming_the_field_and_nothing_is_snapshotted(session, vip):
    campaign = make_email_campaign(session, segment_id=vip.id, html="<p>Hi {{ frist_name }}</p>")
    with pytest.raises(ValidationFailed) as refused:
        commands.apply_action(
            session=session, channel="email", campaign_id=campaign.id, action=Action.START, queue=NoQueue()
        )
    assert [d["field"] for d in refused.value.details] == ["html"]
    assert refused.value.details[0]["contacts"] == 5
    assert "frist_name" in refused.value.message and campaign.name in refused.value.message
    session.expire_all()
    assert session.get(type(campaign), campaign.id).status == CampaignStatus.DRAFT
    assert session.exec(select(EmailCampaignRecipient)).all() == []


def test_scheduling_is_refused_by_the_action_at_creation_and_by_new_content(session, vip):
    broken = make_email_campaign(session, segment_id=vip.id, html="{{ frist_name }}")
    with pytest.raises(ValidationFailed):
        commands.apply_action(
            session=session,
            channel="email",
            campaign_id=broken.id,
            action=Action.SCHEDULE,
            scheduled_at=FUTURE,
            queue=NoQueue(),
        )
    data = {
        "name": "Created scheduled",
        "segment_id": vip.id,
        "subject": "Hi",
        "from_email": "news@example.com",
        "html": "{{ frist_name }}",
        "scheduled_at": FUTURE,
    }
    with pytest.raises(ValidationFailed):
        commands.create(session=session, channel="email", data=data, queue=NoQueue())
    scheduled = make_email_campaign(session, segment_id=vip.id, status="scheduled", scheduled_at=FUTURE)
    with pytest.raises(ValidationFailed) as refused:
        commands.update(
            session=session,
            channel="email",
            campaign_id=scheduled.id,
            changes={"html": "{{ frist_name }}"},
            queue=NoQueue(),
        )
    assert refused.value.details[0]["field"] == "html"
    session.expire_all()
    assert session.get(type(broken), broken.id).status == CampaignStatus.DRAFT
    assert session.get(type(scheduled), scheduled.id).html != "{{ frist_name }}"


def test_a_fixed_campaign_starts(session, vip):
    campaign = make_email_campaign(session, segment_id=vip.id, html="<p>Hi {{ nickname | default('there') }}</p>")
    started = commands.apply_action(
        session=session, channel="email", campaign_id=campaign.id, action=Action.START, queue=_Recorder()
    )
    assert started.status == CampaignStatus.SENDING and started.recipients == 5


def test_the_summary_says_audience_sender_and_sms_cost(session):
    segment = make_segment(session, rules=[{"field": "tag", "op": "is", "value": "sms"}])
    for i in range(4):
        make_contact(session, tags=["sms"], phone=f"+1415555020{i}")
    campaign = make_sms_campaign(session, segment_id=segment.id, body="A" * 161, from_number="+14155550999")
    summary = preflight.summarise(session=session, channel="sms", values=preflight.campaign_values("sms", campaign))
    assert (summary.audience, summary.sender, summary.sms_segments) == (4, "+14155550999", 2)
    assert summary.sms_cost is not None and summary.sms_cost > 0 and summary.currency
    assert summary.preflight.ok
    assert session.exec(select(SmsCampaignRecipient)).all() == []


class _Recorder:
    def __init__(self) -> None:
        self.calls: list = []

    def after_action(self, channel, campaign, action) -> None:
        self.calls.append(action)

    def scheduled_start(self, channel, campaign) -> None:
        self.calls.append("scheduled_start")
