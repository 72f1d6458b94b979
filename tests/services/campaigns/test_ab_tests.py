"""A/B test settings and the decision, on SQLite and PostgreSQL: bad settings refused naming each
field and changing nothing; frozen once sending starts; the winner picked on the rates counted from
the real event path, with its sample sizes and an honest "no clear winner"; decided exactly once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import AbTest, EmailCampaign, EmailCampaignRecipient, SentEmail, utcnow
from campaign_dashboard.services.campaigns import ab_decision, ab_tests, records
from campaign_dashboard.services.errors import Conflict, NotFound, ValidationFailed
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType, apply_email_event
from campaign_dashboard.services.stats.variant_rates import VariantNumbers, variant_rates
from tests.factories import make_email_campaign, make_sms_campaign

GOOD = {
    "variants": [{"subject": "Spring is here"}, {"subject": "20% off, {{ first_name }}", "from_name": "Ana"}],
    "test_share": 20,
    "metric": "open_rate",
    "wait_minutes": 240,
}


def fields_of(error: ValidationFailed) -> set[str]:
    return {d["field"] for d in error.details}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"variants": [{"subject": "Only one"}]}, "variants"),
        ({"variants": [{"subject": f"S{i}"} for i in range(5)]}, "variants"),
        ({"variants": "two please"}, "variants"),
        ({"test_share": 0}, "test_share"),
        ({"test_share": 100}, "test_share"),
        ({"test_share": True}, "test_share"),
        ({"metric": "revenue"}, "metric"),
        ({"metric": "reply_rate"}, "metric"),  # an SMS metric
        ({"wait_minutes": -1}, "wait_minutes"),
        ({"wait_minutes": 7 * 24 * 60 + 1}, "wait_minutes"),
        ({"variants": [{"subject": "A"}, {"body": "an SMS body"}]}, "variants.1.body"),
        ({"variants": [{"subject": "A"}, {"subject": ""}]}, "variants.1.subject"),
        ({"variants": [{"subject": "A"}, {"subject": "line\r\nBcc: x@y.z"}]}, "variants.1.subject"),
        ({"variants": [{"subject": "A"}, {"subject": "{% if %}"}]}, "variants.1.subject"),
        ({"variants": [{"subject": "A"}, {"subject": "B", "from_name": "Evil <x@y.z>"}]}, "variants.1.from_name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_settings_are_refused_naming_the_field_and_change_nothing(session, change, field):
    campaign = make_email_campaign(session)
    with pytest.raises(ValidationFailed) as refused:
        ab_tests.set_test(session=session, channel="email", campaign_id=campaign.id, data={**GOOD, **change})
    assert field in fields_of(refused.value)
    assert ab_tests.get_test(session=session, channel="email", campaign_id=campaign.id) is None


def test_every_problem_is_said_at_once(session):
    campaign = make_email_campaign(session)
    bad = {"variants": [{"subject": "A"}], "test_share": 150, "metric": "x", "wait_minutes": -5}
    with pytest.raises(ValidationFailed) as refused:
        ab_tests.set_test(session=session, channel="email", campaign_id=campaign.id, data=bad)
    assert fields_of(refused.value) == {"variants", "test_share", "metric", "wait_minutes"}


def test_an_sms_variant_has_a_body_and_nothing_of_an_email(session):
    campaign = make_sms_campaign(session)
    with pytest.raises(ValidationFailed) as refused:
        ab_tests.set_test(session=session, channel="sms", campaign_id=campaign.id, data=GOOD)
    assert {"variants.0.subject", "metric"} <= fields_of(refused.value)
    test = ab_tests.set_test(
        session=session,
        channel="sms",
        campaign_id=campaign.id,
        data={"variants": [{"body": "Sale today"}, {"body": "Last day: 20% off"}], "metric": "reply_rate"},
    )
    assert (test.test_share, test.wait_minutes, len(test.variants)) == (20, 240, 2)


def test_settings_are_replaced_until_the_start_and_frozen_after(session):
    campaign = make_email_campaign(session)
    ab_tests.set_test(session=session, channel="email", campaign_id=campaign.id, data=GOOD)
    changed = ab_tests.set_test(
        session=session, channel="email", campaign_id=campaign.id, data={**GOOD, "test_share": 30}
    )
    assert changed.test_share == 30
    assert len(session.exec(select(AbTest)).all()) == 1
    campaign.status = "sending"
    session.add(campaign)
    session.commit()
    with pytest.raises(Conflict):
        ab_tests.set_test(session=session, channel="email", campaign_id=campaign.id, data={**GOOD, "test_share": 50})
    with pytest.raises(Conflict):
        ab_tests.remove_test(session=session, channel="email", campaign_id=campaign.id)
    assert ab_tests.get_test(session=session, channel="email", campaign_id=campaign.id).test_share == 30


def test_a_duplicate_gets_the_test_undecided_and_a_deleted_campaign_takes_it_along(session):
    campaign = make_email_campaign(session)
    ab_tests.set_test(session=session, channel="email", campaign_id=campaign.id, data=GOOD)
    copy = records.duplicate(session=session, channel="email", campaign_id=campaign.id)
    copied = ab_tests.get_test(session=session, channel="email", campaign_id=copy.id)
    assert copied.variants == GOOD["variants"] and copied.decided_at is None
    records.delete(session=session, channel="email", campaign_id=copy.id)
    assert session.exec(select(AbTest.campaign_id)).all() == [campaign.id]


# ---------------------------------------------------------------------------- the decision


def numbers(*rows: tuple[int, int]) -> dict[int, VariantNumbers]:
    return {i: VariantNumbers(i, sent, sent, opened=opened) for i, (sent, opened) in enumerate(rows)}


def test_a_clear_winner_is_said_with_its_samples():
    decision = ab_decision.judge(numbers((100, 30), (100, 45)), 2, "open_rate")
    assert (decision["winner"], decision["significant"]) == (1, True)
    assert decision["p_value"] == pytest.approx(0.0285, abs=1e-4)
    assert [(v["label"], v["sent"], v["successes"]) for v in decision["variants"]] == [("A", 100, 30), ("B", 100, 45)]
    assert decision["summary"].startswith("B wins: open rate 45.0% against A's 30.0% (100 and 100 sent")


def test_a_small_difference_is_no_clear_winner_but_the_best_still_goes_out():
    decision = ab_decision.judge(numbers((100, 20), (100, 22)), 2, "open_rate")
    assert (decision["winner"], decision["significant"]) == (1, False)
    assert decision["summary"].startswith("No clear winner: B did best")
    assert "the remainder gets B" in decision["summary"]


def test_nothing_measured_goes_to_a():
    decision = ab_decision.judge({}, 3, "click_rate")
    assert (decision["winner"], decision["significant"]) == (0, False)
    assert (
        decision["summary"] == "No clear winner: nothing was measured (no test message was sent); the remainder gets A."
    )


def test_more_variants_need_a_stronger_difference():
    # p = 0.0285 passes at 5 % with two variants, not at 5 % / 3 with four
    decision = ab_decision.judge(numbers((100, 30), (100, 45), (100, 10), (100, 5)), 4, "open_rate")
    assert decision["winner"] == 1 and decision["alpha"] == pytest.approx(0.05 / 3, abs=1e-6)
    assert not decision["significant"]


def _started_test(session, opens: dict[int, int], sent_per_variant: int = 10):
    """An email campaign sending, its test groups sent by the send path's rows, and `opens` per
    variant applied through the real event path."""
    campaign = make_email_campaign(session, status="sending", started_at=utcnow())
    session.add(AbTest(channel="email", campaign_id=campaign.id, variants=GOOD["variants"], metric="open_rate"))
    session.commit()
    for group in (0, 1):
        for i in range(sent_per_variant):
            recipient = EmailCampaignRecipient(
                campaign_id=campaign.id,
                address=f"{group}-{i}-{uuid.uuid4().hex[:6]}@example.com",
                status="sent",
                provider_message_id=uuid.uuid4().hex,
                ab_group=group,
                sent_at=utcnow(),
            )
            session.add(recipient)
            session.flush()
            session.add(
                SentEmail(
                    campaign_id=campaign.id,
                    recipient_id=recipient.id,
                    provider_message_id=recipient.provider_message_id,
                    to_address=recipient.address,
                )
            )
            session.commit()
            if i < opens.get(group, 0):
                apply_email_event(
                    session=session,
                    event=EmailEventIn(
                        provider_event_id=uuid.uuid4().hex,
                        type=EmailEventType.OPENED,
                        provider_message_id=recipient.provider_message_id,
                        occurred_at=utcnow(),
                    ),
                )
    for i in range(5):
        session.add(
            EmailCampaignRecipient(
                campaign_id=campaign.id, address=f"rest{i}@example.com", ab_group=-1, status="pending"
            )
        )
    session.commit()
    return campaign


def test_the_rates_come_from_the_events_and_the_decision_is_recorded_once(session, engine):
    campaign = _started_test(session, {0: 2, 1: 7})
    campaign_id = campaign.id
    rates = variant_rates(session=session, channel="email", campaign_id=campaign_id)
    assert {g: (n.recipients, n.sent, n.opened) for g, n in rates.items()} == {
        0: (10, 10, 2),
        1: (10, 10, 7),
        -1: (5, 0, 0),
    }

    test = ab_decision.decide(session=session, channel="email", campaign_id=campaign_id, by="ana@example.com")
    assert (test.winner, test.decision["by"], test.decision["significant"]) == (1, "ana@example.com", True)
    assert [v["rate"] for v in test.decision["variants"]] == [0.2, 0.7]
    with Session(engine) as other, pytest.raises(Conflict):  # a second decision, by anyone, is refused
        ab_decision.decide(session=other, channel="email", campaign_id=campaign_id, by="bob@example.com")
    assert ab_decision.decide_due(session=session, channel="email") == []
    shown = ab_decision.public(ab_tests.get_test(session=session, channel="email", campaign_id=campaign_id), rates)
    assert [(v["label"], v["winner"], v["numbers"]["rate"]) for v in shown["variants"]] == [
        ("A", False, 0.2),
        ("B", True, 0.7),
    ]
    assert shown["remainder"]["recipients"] == 5 and shown["winner_label"] == "B"


def test_privacy_proxy_opens_do_not_make_a_winner(session):
    """A's opens all came the second its emails were delivered (a privacy proxy fetching images),
    B's a person's, later: only B's count, so B wins though A has more raw opens."""
    campaign = _started_test(session, {0: 0, 1: 3})
    rows = session.exec(
        select(EmailCampaignRecipient).where(
            EmailCampaignRecipient.campaign_id == campaign.id, EmailCampaignRecipient.ab_group == 0
        )
    ).all()
    delivered = utcnow() - timedelta(minutes=30)
    for row in rows[:8]:
        for kind, at in (
            (EmailEventType.DELIVERED, delivered),
            (EmailEventType.OPENED, delivered + timedelta(seconds=1)),
        ):
            event = EmailEventIn(
                provider_event_id=uuid.uuid4().hex,
                type=kind,
                provider_message_id=row.provider_message_id,
                occurred_at=at,
            )
            apply_email_event(session=session, event=event)

    rates = variant_rates(session=session, channel="email", campaign_id=campaign.id)
    assert (rates[0].opened, rates[1].opened) == (0, 3)
    test = ab_decision.decide(session=session, channel="email", campaign_id=campaign.id, by="ana@example.com")
    assert test.winner == 1
    session.expire_all()
    assert session.get(EmailCampaign, campaign.id).unique_opens == 11  # the raw count keeps them all


def test_a_winner_is_picked_only_while_the_campaign_sends_or_is_paused(session):
    draft = make_email_campaign(session)
    ab_tests.set_test(session=session, channel="email", campaign_id=draft.id, data=GOOD)
    with pytest.raises(Conflict, match="sending or paused"):
        ab_decision.decide(session=session, channel="email", campaign_id=draft.id, by="x")
    plain = make_email_campaign(session, status="sending")
    with pytest.raises(NotFound, match="no A/B test"):
        ab_decision.decide(session=session, channel="email", campaign_id=plain.id, by="x")


def test_the_send_confirmation_says_who_gets_a_variant_first_and_when_the_rest_goes():
    said = ab_tests.describe(variants=2, share=20, metric="open_rate", wait_minutes=240, audience=1000)
    assert said == (
        "A/B test: 20% (about 200 recipients) get one of 2 variants first; the rest wait for the one with "
        "the best open rate, picked 4 hours after the start"
    )
    now = ab_tests.describe(variants=3, share=10, metric="reply_rate", wait_minutes=0, audience=50)
    assert now.endswith("best reply rate, picked as soon as the test messages are out")
    assert "(about 5 recipients) get one of 3 variants" in now
