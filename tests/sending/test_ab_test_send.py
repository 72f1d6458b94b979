"""A/B tests end to end: real workers send through the emulator. The test share is split evenly
and sent first, the remainder waits; the winner is picked once (by the workers' ticks when the
wait is over, or by a person, here while the campaign is paused, on the opens the emulator's
webhooks bring back); then the remainder gets the winner's subject (an SMS campaign: its text), and
every recipient gets exactly one message, also when every worker is SIGKILLed during the winner's
phase."""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from campaign_dashboard.models import (
    AbTest,
    Channel,
    EmailCampaign,
    EmailCampaignRecipient,
    SentEmail,
    SmsCampaign,
    SmsCampaignRecipient,
)
from campaign_dashboard.models.ab_tests import REMAINDER
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import ab_decision, ab_tests, commands
from campaign_dashboard.services.stats.variant_rates import variant_rates
from campaign_dashboard.wiring import campaign_queue
from tests.helpers.processes import configure_emulator, emulator_stats
from tests.helpers.sending import (
    add_contacts,
    assert_exactly_once,
    make_campaign,
    start,
    wait_accepted,
    wait_for_status,
)

pytestmark = pytest.mark.xdist_group("sending")

SUBJECTS = ["A: spring is here, {{ first_name }}", "B: 20% off today"]


def _with_test(engine, contacts: int, *, share: int, wait_minutes: int) -> int:
    campaign_id = make_campaign(engine, Channel.EMAIL)
    with Session(engine) as session:
        ab_tests.set_test(
            session=session,
            channel="email",
            campaign_id=campaign_id,
            data={
                "variants": [{"subject": s} for s in SUBJECTS],
                "test_share": share,
                "metric": "open_rate",
                "wait_minutes": wait_minutes,
            },
        )
    return campaign_id


def _subjects_by_group(engine, campaign_id: int) -> dict[int, Counter]:
    """What each group's recipients were sent, as the send path recorded it."""
    R = EmailCampaignRecipient
    with Session(engine) as session:
        rows = session.exec(
            select(R.ab_group, SentEmail.subject)
            .join(SentEmail, SentEmail.recipient_id == R.id)
            .where(R.campaign_id == campaign_id)
        ).all()
    found: dict[int, Counter] = {}
    for group, subject in rows:
        found.setdefault(group, Counter())[subject.split(":")[0] if ":" in subject else subject] += 1
    return found


def _groups(engine, campaign_id: int) -> Counter:
    R = EmailCampaignRecipient
    with Session(engine) as session:
        return Counter(session.exec(select(R.ab_group).where(R.campaign_id == campaign_id)).all())


def _test(engine, campaign_id: int) -> AbTest:
    with Session(engine) as session:
        return session.exec(select(AbTest).where(AbTest.campaign_id == campaign_id)).one()


def test_the_ticks_pick_the_winner_once_and_the_remainder_survives_killed_workers(app_env, emulator, workers, engine):
    contacts = 400
    app_env["RESEND_REQUESTS_PER_SECOND"] = "2"  # 100 emails a request: the winner's phase takes seconds
    add_contacts(engine, contacts, prefix="ab")
    campaign_id = _with_test(engine, contacts, share=20, wait_minutes=0)  # decided as soon as the test went out
    workers.start(2)
    start(engine, Channel.EMAIL, campaign_id)
    assert _groups(engine, campaign_id) == {0: 40, 1: 40, REMAINDER: 320}

    wait_accepted(emulator, 80 + 100, timeout=60)  # the test, then the winner's first chunk
    workers.kill_all()
    workers.start(2)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}) == "sent"

    assert_exactly_once(emulator, engine, Channel.EMAIL, campaign_id, contacts)
    test = _test(engine, campaign_id)
    assert test.decision["by"] == ab_decision.BY_WAIT
    assert [v["sent"] for v in test.decision["variants"]] == [40, 40]
    winner = "AB"[test.winner]
    assert _subjects_by_group(engine, campaign_id) == {0: {"A": 40}, 1: {"B": 40}, REMAINDER: {winner: 320}}
    with Session(engine) as session:  # the winner's phase began after the decision, never before
        first_remainder = session.exec(
            select(func.min(EmailCampaignRecipient.sent_at)).where(
                EmailCampaignRecipient.campaign_id == campaign_id, EmailCampaignRecipient.ab_group == REMAINDER
            )
        ).one()
        last_test = session.exec(
            select(func.max(EmailCampaignRecipient.sent_at)).where(
                EmailCampaignRecipient.campaign_id == campaign_id, EmailCampaignRecipient.ab_group != REMAINDER
            )
        ).one()
    assert last_test <= test.decided_at <= first_remainder


@pytest.mark.emulator_webhooks
# The emulator sends each event at once (webhook_delay_ms 0): the hours between a delivery and a
# person's open shrink to nothing, which the machine-open rule would take for a privacy proxy.
@pytest.mark.app_settings(MACHINE_ENGAGEMENT_SECONDS="0")
def test_a_person_picks_the_winner_while_paused_on_the_opens_the_emulator_reports(app_env, emulator, workers, engine):
    configure_emulator(
        emulator,
        bounce_rate=0,
        open_rate=0.5,
        proxy_open_rate=0,
        click_rate=0,
        reply_rate=0,
        unsubscribe_rate=0,
        complaint_rate=0,
        webhook_delay_ms=0,
        seed=7,
    )
    contacts = 100
    add_contacts(engine, contacts, prefix="abp")
    campaign_id = _with_test(engine, contacts, share=40, wait_minutes=600)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)

    wait_accepted(emulator, 40, timeout=60)
    time.sleep(3)  # several ticks: nothing more goes out, the campaign waits for its winner
    assert emulator_stats(emulator)["accepted"] == 40
    with Session(engine) as session:
        assert session.get(EmailCampaign, campaign_id).status == "sending"
    assert _test(engine, campaign_id).decided_at is None

    opened = _settled_opens(engine, campaign_id)
    assert 0 < sum(opened.values()) < 40  # the emulator's rate, through its signed webhooks
    with Session(engine) as session:
        campaigns.apply_action(session=session, channel="email", campaign_id=campaign_id, action="pause")
    with Session(engine) as session:
        commands.decide_ab_test(
            session=session, channel="email", campaign_id=campaign_id, by="ana@example.com", queue=campaign_queue
        )
    test = _test(engine, campaign_id)
    assert [(v["sent"], v["successes"]) for v in test.decision["variants"]] == [(20, opened[0]), (20, opened[1])]
    assert test.winner == (1 if opened[1] > opened[0] else 0)
    assert test.decision["by"] == "ana@example.com"

    time.sleep(2)  # paused: the decision alone sends nothing
    assert emulator_stats(emulator)["accepted"] == 40
    with Session(engine) as session:
        commands.apply_action(
            session=session, channel="email", campaign_id=campaign_id, action="resume", queue=campaign_queue
        )
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}) == "sent"

    stats = emulator_stats(emulator)
    assert (stats["accepted"], stats["duplicates"]) == (contacts, 0)
    assert set(stats["by_address"].values()) == {1}
    winner = "AB"[test.winner]
    assert _subjects_by_group(engine, campaign_id) == {0: {"A": 20}, 1: {"B": 20}, REMAINDER: {winner: 60}}


def _settled_opens(engine, campaign_id: int, timeout: float = 30) -> dict[int, int]:
    """Each variant's opens once the emulator's webhooks have stopped bringing new ones."""
    deadline, last, stable_since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        with Session(engine) as session:
            numbers = variant_rates(session=session, channel="email", campaign_id=campaign_id)
        now = {g: n.opened for g, n in numbers.items() if g != REMAINDER}
        if now != last:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since > 2:
            return now
        time.sleep(0.2)
    raise TimeoutError(f"opens still moving after {timeout}s: {last}")


def test_sms_text_variants_go_out_the_same_way(app_env, emulator, workers, engine):
    contacts, bodies = 24, ["Sale today: 20% off", "Last day! 20% off everything", "Psst, 20% off until midnight"]
    add_contacts(engine, contacts, prefix="abs")
    campaign_id = make_campaign(engine, Channel.SMS)
    with Session(engine) as session:
        ab_tests.set_test(
            session=session,
            channel="sms",
            campaign_id=campaign_id,
            data={
                "variants": [{"body": b} for b in bodies],
                "test_share": 50,
                "metric": "reply_rate",
                "wait_minutes": 0,
            },
        )
    workers.start(1)
    start(engine, Channel.SMS, campaign_id)
    assert wait_for_status(engine, SmsCampaign, campaign_id, {"sent", "failed"}) == "sent"

    assert_exactly_once(emulator, engine, Channel.SMS, campaign_id, contacts)
    with Session(engine) as session:
        group_of = dict(
            session.exec(
                select(SmsCampaignRecipient.address, SmsCampaignRecipient.ab_group).where(
                    SmsCampaignRecipient.campaign_id == campaign_id
                )
            ).all()
        )
        test = session.exec(select(AbTest).where(AbTest.campaign_id == campaign_id)).one()
    assert Counter(group_of.values()) == {0: 4, 1: 4, 2: 4, REMAINDER: 12}
    sent = httpx.get(f"{emulator}/_emulator/messages", params={"channel": "sms", "limit": 100}, timeout=10).json()
    got = {m["to"][0]: m["data"]["Body"] for m in sent}
    expected = {a: bodies[test.winner if g == REMAINDER else g] for a, g in group_of.items()}
    assert got == expected
