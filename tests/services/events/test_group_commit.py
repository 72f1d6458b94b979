"""The webhook writer's group commit: requests that queue up share a transaction, each gets its
own answer only after the commit, and one bad item cannot fail the others."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest
from sqlalchemy import text
from sqlmodel import Session

from campaign_dashboard.services.events.group_commit import GroupCommit


class Recorder:
    """An `apply_batch` that writes each item to a real table, and can be held or made to fail."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.batches: list[list[str]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()
        self.inside = threading.Semaphore(0)  # released once per batch that has begun
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS group_commit_items (item TEXT)"))

    def __call__(self, session: Session, items: Sequence[str]) -> list[str]:
        self.entered.set()
        self.inside.release()
        self.hold.wait(10)
        self.batches.append(list(items))
        for item in items:
            session.execute(text("INSERT INTO group_commit_items (item) VALUES (:item)"), {"item": item})
            if item.startswith("bad"):
                raise ValueError(f"cannot apply {item}")
        session.commit()
        return [item.upper() for item in items]

    def stored(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(conn.execute(text("SELECT item FROM group_commit_items")).scalars())


@pytest.fixture
def recorder(engine):
    recorder = Recorder(engine)
    yield recorder
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE group_commit_items"))


def test_requests_that_queue_up_while_a_batch_commits_share_the_next_transaction(engine, recorder):
    writer = GroupCommit(apply_batch=recorder, engine=lambda: engine, writers=1)
    recorder.hold.clear()
    first = writer.submit("first")
    assert recorder.entered.wait(10)  # the writer is inside the first batch...
    waiting = [writer.submit(f"item-{n}") for n in range(10)]  # ...while ten more requests arrive
    assert not any(f.done() for f in [first, *waiting])  # nobody is answered before the commit
    recorder.hold.set()
    assert first.result(10) == "FIRST"
    assert [f.result(10) for f in waiting] == [f"ITEM-{n}" for n in range(10)]
    assert recorder.batches == [["first"], [f"item-{n}" for n in range(10)]]
    assert (writer.batches, writer.items) == (2, 11)
    assert len(recorder.stored()) == 11


def test_a_bad_item_fails_alone_and_nothing_of_its_batch_is_half_written(engine, recorder):
    writer = GroupCommit(apply_batch=recorder, engine=lambda: engine, writers=1)
    recorder.hold.clear()
    blocker = writer.submit("blocker")
    assert recorder.entered.wait(10)
    futures = {name: writer.submit(name) for name in ("good-1", "bad-1", "good-2")}
    recorder.hold.set()
    assert blocker.result(10) == "BLOCKER"
    assert futures["good-1"].result(10) == "GOOD-1"
    assert futures["good-2"].result(10) == "GOOD-2"
    with pytest.raises(ValueError, match="cannot apply bad-1"):
        futures["bad-1"].result(10)
    # the shared batch was rolled back, then each item was applied in its own transaction
    assert recorder.batches[1] == ["good-1", "bad-1", "good-2"]
    assert recorder.batches[2:] == [["good-1"], ["bad-1"], ["good-2"]]
    assert recorder.stored() == ["blocker", "good-1", "good-2"]


def test_the_writer_keeps_answering_after_a_failure(engine, recorder):
    writer = GroupCommit(apply_batch=recorder, engine=lambda: engine, writers=1)
    with pytest.raises(ValueError):
        writer.submit("bad-alone").result(10)
    assert writer.submit("after").result(10) == "AFTER"


def test_on_postgresql_several_writers_apply_batches_at_once(engine, recorder):
    """A database across a network answers each statement after a round trip: with one writer the
    process's rate would be bound by those waits, so PostgreSQL gets several."""
    writer = GroupCommit(apply_batch=recorder, engine=lambda: engine)
    recorder.hold.clear()
    writers = 1 if engine.dialect.name == "sqlite" else 4
    futures = []
    for n in range(writers):  # each request finds an idle writer, which begins a batch with it
        futures.append(writer.submit(f"item-{n}"))
        assert recorder.inside.acquire(timeout=10)
    futures += [writer.submit(f"item-{n}") for n in range(writers, 40)]
    assert not recorder.inside.acquire(timeout=0.5)  # every writer is busy: the rest wait
    recorder.hold.set()
    assert sorted(f.result(10) for f in futures) == sorted(f"ITEM-{n}" for n in range(40))
    assert len(recorder.stored()) == 40
