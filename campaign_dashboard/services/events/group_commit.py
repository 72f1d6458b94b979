"""Group commit: the webhook requests of one process share one transaction per batch.

Applied one at a time, every event of a campaign updates the same campaign row and minute buckets
and pays its own BEGIN and COMMIT; at a provider's replay burst those hot rows, not the CPU, set
the pace (docs/events.md, "Batches"). Here each request hands its item to the process's writer
thread and waits; the writer takes everything that has queued up (at most `max_batch`), applies
it in one transaction (`apply_batch`, which sums the counters) and answers every waiting request
only after the commit. No timer: under light load a batch is one item and nothing waits longer
than it would alone; under a burst, batches grow while the previous one commits.

Nothing is acknowledged before it is committed, so a process killed mid-batch loses nothing: its
requests get no answer and the provider sends them again. If a batch fails (a deadlock, a bad
item), its items are applied again one by one, each in its own transaction, so one bad event
cannot fail the others and each request gets its own answer or error.

Writers per process: one on SQLite (a process has one connection to it, and SQLite takes one
writer at a time anyway), `WRITERS` on PostgreSQL, so a batch's round trips to a database across
a network do not bound the process's rate: each writer takes the next batch while the others wait
for answers, and batches of one campaign meet only at the end, on its counter row. Created on
first use in the process that uses them (a server that forks its workers gets its own in each).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_BATCH = 200  # events per transaction: bounds the time row locks are held and a retry's cost
WRITERS = 4  # per process on PostgreSQL


class GroupCommit(Generic[Item, Result]):
    """`submit(item)` returns a future of `apply_batch`'s result for that item, set after commit."""

    def __init__(
        self,
        *,
        apply_batch: Callable[[Session, Sequence[Item]], list[Result]],
        engine: Callable[[], Engine],
        max_batch: int = MAX_BATCH,
        writers: int | None = None,
        name: str = "group-commit",
    ) -> None:
        """`writers`: threads applying batches (default: 1 on SQLite, `WRITERS` on PostgreSQL)."""
        self.apply_batch = apply_batch
        self.engine = engine
        self.max_batch = max_batch
        self.name = name
        self.writers = writers
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[tuple[Item, Future[Result]]] = queue.SimpleQueue()
        self._writers: list[threading.Thread] = []
        self._pid = 0
        self.batches = 0  # for tests and the benchmark: how many transactions were used
        self.items = 0

    def submit(self, item: Item) -> Future[Result]:
        future: Future[Result] = Future()
        self._ensure_writer()
        self._queue.put((item, future))
        return future

    def _ensure_writer(self) -> None:
        if self._pid == os.getpid() and all(writer.is_alive() for writer in self._writers):
            return
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's queue and threads are not ours
                self._queue = queue.SimpleQueue()
                self._writers = []
                self._pid = os.getpid()
            wanted = self.writers or (1 if self.engine().dialect.name == "sqlite" else WRITERS)
            self._writers = [writer for writer in self._writers if writer.is_alive()]
            while len(self._writers) < wanted:
                writer = threading.Thread(target=self._run, name=f"{self.name}-{len(self._writers)}", daemon=True)
                writer.start()
                self._writers.append(writer)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._apply(batch)
            except BaseException as exc:  # never leave a request waiting for ever
                for _item, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise

    def _apply(self, batch: list[tuple[Item, Future[Result]]]) -> None:
        items = [item for item, _future in batch]
        try:
            with Session(self.engine(), expire_on_commit=False) as session:
                results = self.apply_batch(session, items)
        except Exception:
            if len(batch) == 1:
                raise
            log.warning("a batch of %d events failed; applying them one by one", len(batch), exc_info=True)
            for item, future in batch:
                try:
                    self._apply([(item, future)])
                except Exception as exc:  # noqa: BLE001 - that request answers with its own error
                    future.set_exception(exc)
            return
        with self._lock:
            self.batches += 1
            self.items += len(items)
        for (_item, future), result in zip(batch, results, strict=True):
            future.set_result(result)
