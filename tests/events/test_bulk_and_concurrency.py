"""Counters stay exact: 10,000 events with 10% duplicates in random order, and concurrent workers."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import (
    CampaignStatsMinute,
    EmailCampaign,
    EmailCampaignRecipient,
    SentEmail,
    utcnow,
)
from campaign_dashboard.services.events.dead_letters import Outcome
from campaign_dashboard.services.events.email_events import (
    EmailEventIn,
    EmailEventType,
    apply_email_event,
    apply_email_events,
)
from campaign_dashboard.services.events.group_commit import WRITERS, GroupCommit
from campaign_dashboard.services.events.precedence import rank
from tests.factories import make_contact, make_email_campaign
from tests.helpers.events import make_sent_email

T = EmailEventType
STATUS = {
    T.DELIVERED: "delivered",
    T.OPENED: "opened",
    T.CLICKED: "clicked",
    T.BOUNCED: "bounced",
    T.COMPLAINED: "complained",
}


def generate(sents: list[SentEmail], rng: random.Random, total: int) -> tuple[list[EmailEventIn], dict]:
    """`total` events, 10% of them replays of others, plus the counters they must produce."""
    unique: list[EmailEventIn] = []
    base = utcnow() - timedelta(minutes=30)
    while len(unique) < total * 9 // 10:
        sent = rng.choice(sents)
        kind = rng.choices([T.DELIVERED, T.OPENED, T.CLICKED, T.BOUNCED, T.COMPLAINED], weights=[30, 40, 20, 6, 4])[0]
        unique.append(
            EmailEventIn(
                provider_event_id=f"msg_{uuid.uuid4().hex}",
                type=kind,
                provider_message_id=sent.provider_message_id,
                occurred_at=base + timedelta(seconds=rng.randrange(1800)),
                link="https://example.com/x" if kind == T.CLICKED else None,
                hard_bounce=rng.random() < 0.5,
            )
        )
    events = unique + rng.sample(unique, total - len(unique))
    rng.shuffle(events)

    per_message: dict[str, Counter] = {}
    for e in unique:
        per_message.setdefault(e.provider_message_id, Counter())[e.type] += 1
    expected = Counter()
    final_status = {}
    for message_id, kinds in per_message.items():
        expected["delivered"] += bool(kinds[T.DELIVERED])
        expected["opened"] += kinds[T.OPENED]
        expected["unique_opens"] += bool(kinds[T.OPENED])
        expected["clicked"] += kinds[T.CLICKED]
        expected["unique_clicks"] += bool(kinds[T.CLICKED])
        expected["bounced"] += bool(kinds[T.BOUNCED])
        expected["complained"] += bool(kinds[T.COMPLAINED])
        final_status[message_id] = max((STATUS[k] for k in kinds), key=rank)
    return events, {"counters": expected, "status": final_status, "unique": len(unique)}


def assert_exact(session: Session, campaign_id: int, expected: dict) -> None:
    session.expire_all()
    campaign = session.get(EmailCampaign, campaign_id)
    for name, value in expected["counters"].items():
        assert getattr(campaign, name) == value, name
    statuses = dict(
        session.exec(
            select(SentEmail.provider_message_id, EmailCampaignRecipient.status).join(
                EmailCampaignRecipient, EmailCampaignRecipient.id == SentEmail.recipient_id
            )
        ).all()
    )
    for message_id, status in expected["status"].items():
        assert statuses[message_id] == status
    buckets = Counter()
    for metric, count in session.exec(
        select(CampaignStatsMinute.metric, CampaignStatsMinute.count).where(
            CampaignStatsMinute.campaign_id == campaign_id
        )
    ):
        buckets[metric] += count
    for name in ("delivered", "opened", "unique_opens", "clicked", "unique_clicks", "bounced", "complained"):
        assert buckets[name] == expected["counters"][name], f"bucket {name}"


def make_campaign_with_sends(session: Session, n: int) -> tuple[int, list[SentEmail]]:
    campaign = make_email_campaign(session, status="sending")
    sents = [make_sent_email(session, campaign=campaign) for _ in range(n)]
    return campaign.id, sents


@pytest.mark.slow
def test_ten_thousand_events_with_ten_percent_duplicates_in_random_order_give_exact_counters(session):
    campaign_id, sents = make_campaign_with_sends(session, 500)
    events, expected = generate(sents, random.Random(42), 10_000)
    outcomes = Counter(apply_email_event(session=session, event=e) for e in events)
    assert outcomes == {Outcome.APPLIED: expected["unique"], Outcome.DUPLICATE: 10_000 - expected["unique"]}
    assert_exact(session, campaign_id, expected)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_events_for_one_campaign_applied_from_several_threads_give_exact_counters(engine, session):
    campaign_id, sents = make_campaign_with_sends(session, 40)
    events, expected = generate(sents, random.Random(3), 2_000)
    errors: list[BaseException] = []
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def worker(chunk: list[EmailEventIn]) -> None:
        try:
            with Session(engine, expire_on_commit=False) as own:
                for event in chunk:
                    outcome = apply_email_event(session=own, event=event)
                    with lock:
                        outcomes[outcome] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    # Every event goes to two threads, so identical deliveries also race each other.
    threads = [threading.Thread(target=worker, args=(events[i::4] + events[(i + 1) % 4 :: 4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert outcomes[Outcome.APPLIED] == expected["unique"]
    assert_exact(session, campaign_id, expected)


def test_the_same_events_applied_in_batches_of_any_size_give_the_same_exact_counters(session):
    """A batch shares one transaction and writes its counters once: replays inside one batch,
    a message's delivered/opened/clicked in one batch, and events of many messages all count
    as they do one at a time."""
    campaign_id, sents = make_campaign_with_sends(session, 300)
    events, expected = generate(sents, random.Random(7), 6_000)
    rng = random.Random(8)
    outcomes: Counter = Counter()
    position = 0
    while position < len(events):
        size = rng.choice([1, 2, 7, 50, 200])
        outcomes.update(apply_email_events(session=session, events=events[position : position + size]))
        position += size
    assert outcomes == {Outcome.APPLIED: expected["unique"], Outcome.DUPLICATE: 6_000 - expected["unique"]}
    assert_exact(session, campaign_id, expected)


def test_a_batch_answers_each_event_in_its_own_order(session):
    """Events are applied in message-id order (one lock order for all batches), but each outcome
    goes back to the event it belongs to: the replay and the unknown message are told apart."""
    sent = make_sent_email(session)
    at = utcnow()
    delivered = EmailEventIn("evt-z", T.DELIVERED, sent.provider_message_id, at)
    unknown = EmailEventIn("evt-a", T.DELIVERED, "zzz-never-sent", at)
    early = EmailEventIn("evt-b", T.OPENED, "aaa-never-sent", at)
    outcomes = apply_email_events(session=session, events=[unknown, delivered, delivered, early])
    assert outcomes == [Outcome.DEAD_LETTER, Outcome.APPLIED, Outcome.DUPLICATE, Outcome.DEAD_LETTER]


class HeldWriter:
    """`apply_email_events` behind a gate the test opens: while it is shut, batches wait before
    touching the database and requests queue up behind them, so batching needs no lucky timing."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.changed = threading.Condition()
        self.held_batches = 0
        self.held_items = 0

    def __call__(self, own: Session, batch: list[EmailEventIn]) -> list[Outcome]:
        if not self.gate.is_set():
            with self.changed:
                self.held_batches += 1
                self.held_items += len(batch)
                self.changed.notify_all()
            assert self.gate.wait(60), "the test never opened the gate"
        return apply_email_events(session=own, events=batch)

    def settled(self, *, threads: int, items: int) -> bool:
        """Every writer thread holds a batch, or every one of `items` is in a held batch."""
        with self.changed:
            return self.changed.wait_for(lambda: self.held_batches == threads or self.held_items == items, 60)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_group_committing_the_same_events_count_each_once(engine, session):
    """Two web processes, each with its writer (GroupCommit), take every event (a provider that
    retries while the first delivery is still being applied), from eight request threads: each
    event is applied once, counters and buckets are exact, batches do not deadlock for good.

    First an opening burst of 2W+1 events reaches each process while its W writer threads are
    held, so requests are sure to share a transaction (see `opening_burst`)."""
    campaign_id, sents = make_campaign_with_sends(session, 60)
    events, expected = generate(sents, random.Random(11), 3_000)
    threads_per_writer = WRITERS  # GroupCommit's default on PostgreSQL, spelled out to hold them all
    held = [HeldWriter() for _ in range(2)]
    writers = [GroupCommit(apply_batch=h, engine=lambda: engine, writers=threads_per_writer) for h in held]
    outcomes: Counter = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def opening_burst(burst: list[EmailEventIn]) -> None:
        """Let go once settled: W held batches of one item each leave W+1 queued, more than the
        W threads can take one at a time, so some batch gets two either way. One process after
        the other, so the two do not contend (a failed batch is split and would not count)."""
        futures = [[writer.submit(event) for event in burst] for writer in writers]
        for h in held:
            assert h.settled(threads=threads_per_writer, items=len(burst)), (h.held_batches, h.held_items)
        for h, writer, answers in zip(held, writers, futures, strict=True):
            h.gate.set()
            outcomes.update(future.result(timeout=60) for future in answers)
            assert writer.batches < writer.items  # this process's requests shared a transaction

    def requests(chunk: list[EmailEventIn]) -> None:
        for event in chunk:
            futures = [writer.submit(event) for writer in writers]
            for future in futures:
                try:
                    result = future.result(timeout=60)
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)
                    continue
                with lock:
                    outcomes[result] += 1

    burst = 2 * threads_per_writer + 1
    opening_burst(events[:burst])
    threads = [threading.Thread(target=requests, args=(events[burst + i :: 8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert outcomes[Outcome.APPLIED] == expected["unique"]
    assert outcomes[Outcome.DUPLICATE] == 2 * len(events) - expected["unique"]
    assert_exact(session, campaign_id, expected)
    assert sum(w.batches for w in writers) < sum(w.items for w in writers)  # requests did share transactions


def test_reordered_events_end_in_the_same_state_as_ordered_ones(session):
    contact = make_contact(session)
    sent = make_sent_email(session, contact=contact)
    at = utcnow()
    ordered = [
        EmailEventIn(f"e{i}", kind, sent.provider_message_id, at + timedelta(seconds=i))
        for i, kind in enumerate([T.SENT, T.DELIVERED, T.OPENED, T.CLICKED, T.OPENED])
    ]
    for event in reversed(ordered):
        apply_email_event(session=session, event=event)
    session.expire_all()
    row = session.get(SentEmail, sent.id)
    assert row.status == "clicked" and row.open_count == 2 and row.click_count == 1
    assert row.delivered_at == ordered[1].occurred_at
    assert row.first_opened_at == ordered[2].occurred_at  # the earliest open, though it came last
    assert session.get(EmailCampaignRecipient, sent.recipient_id).status == "clicked"
