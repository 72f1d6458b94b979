"""The A/B split: a pure function of the campaign and its contacts, exact group sizes, stored on
the ledger at start; the remainder is not claimable and does not end the campaign until the
winner is picked, then it is claimed and composed with the winner. SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Channel, EmailCampaignRecipient, SegmentContact, SmsCampaignRecipient, utcnow
from campaign_dashboard.models.ab_tests import REMAINDER
from campaign_dashboard.services.campaigns import ab_decision, ab_tests, actions
from campaign_dashboard.services.errors import Conflict
from campaign_dashboard.services.sending import Outcome, SendDeps, claim_batch, compose, next_step
from campaign_dashboard.services.sending.ab_split import sample_size, split
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign, random_phone


def test_the_split_is_exact_even_and_the_same_every_time():
    groups = split(7, range(1, 1001), share=20, variants=3)
    assert Counter(groups.values()) == {REMAINDER: 800, 0: 67, 1: 67, 2: 66}
    assert split(7, reversed(range(1, 1001)), share=20, variants=3) == groups  # input order does not matter
    assert split(8, range(1, 1001), share=20, variants=3) != groups  # another campaign, another draw
    tested = sorted(c for c, g in groups.items() if g != REMAINDER)
    assert tested != list(range(1, 201))  # not the first contacts: a hash, not the id order


def test_every_variant_gets_someone_on_a_tiny_audience():
    assert sample_size(5, 1, 2) == 2
    assert sample_size(1, 50, 4) == 1
    assert sample_size(1000, 99, 2) == 990


def _deps(engine) -> SendDeps:
    return SendDeps(engine=engine, settings=get_settings(), limiter=None)  # type: ignore[arg-type]


def _audience(session, n: int, *, sms: bool = False):
    segment = make_segment(session, kind="static")
    for _ in range(n):
        contact = make_contact(session, phone=random_phone()) if sms else make_contact(session)
        session.add(SegmentContact(segment_id=segment.id, contact_id=contact.id))
    session.commit()
    return segment


def _groups(session, model, campaign_id):
    rows = session.exec(select(model.ab_group).where(model.campaign_id == campaign_id)).all()
    session.commit()  # end the read: SQLite's one connection is needed by the send path's sessions
    return Counter(rows)


def test_start_stores_each_recipients_group_and_the_remainder_waits_for_the_winner(engine, session):
    campaign = make_email_campaign(session, segment_id=_audience(session, 50).id, subject="Plain")
    ab_tests.set_test(
        session=session,
        channel="email",
        campaign_id=campaign.id,
        data={
            "variants": [{"subject": "Subject A"}, {"subject": "Subject B", "from_name": "Ana from Shop"}],
            "test_share": 20,
            "metric": "open_rate",
            "wait_minutes": 60,
        },
    )
    actions.apply_action(session=session, channel="email", campaign_id=campaign.id, action="start")
    campaign_id, started_at = campaign.id, campaign.started_at  # plain values: reads below end transactions
    assert _groups(session, EmailCampaignRecipient, campaign_id) == {0: 5, 1: 5, REMAINDER: 40}
    assert ab_tests.get_test(session=session, channel="email", campaign_id=campaign_id).remainder == 40
    session.commit()

    deps = _deps(engine)
    batch = claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id)
    with Session(engine) as s:
        claimed = s.exec(select(EmailCampaignRecipient.ab_group).where(EmailCampaignRecipient.batch_id == batch)).all()
    assert sorted(claimed) == [0] * 5 + [1] * 5  # only the test groups
    assert claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id) is None

    # The test messages went out: the campaign waits (it is not finished), nothing is due yet.
    with Session(engine) as s:
        s.exec(update(EmailCampaignRecipient).where(EmailCampaignRecipient.batch_id == batch).values(status="sent"))
        s.commit()
    assert next_step(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id) is Outcome.WAITING
    assert session.get(type(campaign), campaign_id).status == "sending"
    session.commit()
    assert ab_decision.due(session=session, channel="email") == []
    later = started_at + timedelta(minutes=61)
    assert ab_decision.decide_due(session=session, channel="email", now=later) == [campaign_id]
    assert ab_decision.decide_due(session=session, channel="email", now=later) == []  # once

    assert next_step(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id) is Outcome.MORE
    batch = claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id)
    with Session(engine) as s:
        claimed = s.exec(select(EmailCampaignRecipient.ab_group).where(EmailCampaignRecipient.batch_id == batch)).all()
        contents = compose.contents(s, Channel.EMAIL, s.get(type(campaign), campaign_id), get_settings())
    assert claimed == [REMAINDER] * 40
    test = ab_tests.get_test(session=session, channel="email", campaign_id=campaign_id)
    winner = contents[REMAINDER]
    assert winner is contents[test.winner]
    assert contents[1].from_email == "Ana from Shop <news@example.com>" and contents[0].from_email is None
    subjects = {g: contents[g].compiled.render({"first_name": "X"}).subject for g in (0, 1, None)}
    assert subjects == {0: "Subject A", 1: "Subject B", None: "Plain"}


def _started(session, contacts: int):
    campaign = make_email_campaign(session, segment_id=_audience(session, contacts).id)
    data = {"variants": [{"subject": "A"}, {"subject": "B"}], "test_share": 20, "wait_minutes": 60}
    ab_tests.set_test(session=session, channel="email", campaign_id=campaign.id, data=data)
    actions.apply_action(session=session, channel="email", campaign_id=campaign.id, action="start")
    return campaign.id


def test_a_pause_holds_everything_and_a_winner_picked_meanwhile_waits_for_the_resume(engine, session):
    campaign_id, deps = _started(session, 30), _deps(engine)
    actions.apply_action(session=session, channel="email", campaign_id=campaign_id, action="pause")
    assert claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id) is None
    ab_decision.decide(session=session, channel="email", campaign_id=campaign_id, by="ana@example.com")
    assert claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id) is None  # still paused
    actions.apply_action(session=session, channel="email", campaign_id=campaign_id, action="resume")
    batch = claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id)
    with Session(engine) as s:
        claimed = s.exec(select(EmailCampaignRecipient.ab_group).where(EmailCampaignRecipient.batch_id == batch)).all()
    assert Counter(claimed) == {0: 3, 1: 3, REMAINDER: 24}  # decided: the test groups and the remainder


def test_a_cancel_during_the_test_cancels_the_remainder_too_and_nobody_picks_a_winner(engine, session):
    campaign_id = _started(session, 30)
    actions.apply_action(session=session, channel="email", campaign_id=campaign_id, action="cancel")
    statuses = session.exec(
        select(EmailCampaignRecipient.status).where(EmailCampaignRecipient.campaign_id == campaign_id)
    ).all()
    session.commit()
    assert Counter(statuses) == {"cancelled": 30}
    assert ab_decision.decide_due(session=session, channel="email", now=utcnow() + timedelta(days=1)) == []
    with pytest.raises(Conflict, match="cancelled"):
        ab_decision.decide(session=session, channel="email", campaign_id=campaign_id, by="ana@example.com")


def test_sms_body_variants_split_the_same_way(engine, session):
    campaign = make_sms_campaign(session, segment_id=_audience(session, 12, sms=True).id)
    ab_tests.set_test(
        session=session,
        channel="sms",
        campaign_id=campaign.id,
        data={
            "variants": [{"body": "One"}, {"body": "Two"}, {"body": "Three"}],
            "test_share": 50,
            "metric": "reply_rate",
        },
    )
    actions.apply_action(session=session, channel="sms", campaign_id=campaign.id, action="start")
    assert _groups(session, SmsCampaignRecipient, campaign.id) == {0: 2, 1: 2, 2: 2, REMAINDER: 6}


def test_a_campaign_without_a_test_is_untouched(engine, session):
    campaign = make_email_campaign(session, segment_id=_audience(session, 3).id)
    actions.apply_action(session=session, channel="email", campaign_id=campaign.id, action="start")
    assert _groups(session, EmailCampaignRecipient, campaign.id) == {None: 3}


@pytest.fixture(autouse=True)
def _no_quiet_hours(monkeypatch):
    monkeypatch.setenv("QUIET_HOURS_ENABLED", "false")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
