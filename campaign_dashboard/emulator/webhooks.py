"""Plays the world off the request path: schedules each message's events and POSTs them, signed.

The request path only appends the message to an intake deque (O(1)); one scheduler thread turns it
into timed events (see world.py) on a heap, and a few sender threads deliver them. A message's events
always go to the same sender, so they arrive in order. A failed delivery (app down, non-2xx) is
retried with backoff via the heap, never blocking anyone, then counted in `webhook_failures`.
Pending work is bounded: past `MAX_PENDING` new messages get no events (`webhooks_dropped`).
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import json
import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from svix.webhooks import Webhook
from twilio.request_validator import RequestValidator

from . import payloads, world
from .http import Poster
from .state import Message

if TYPE_CHECKING:
    from .runtime import Emulator

log = logging.getLogger(__name__)
MAX_PENDING = 200_000
SENDERS = 4
RETRY_BASE_S = 0.25
SMS_STATUS = {
    "sms.sent": "sent",
    "sms.delivered": "delivered",
    "sms.undelivered": "undelivered",
    "sms.failed": "failed",
}


@dataclass(order=True)
class Job:
    due: float
    seq: int
    generation: int = field(compare=False)
    message: Message = field(compare=False)
    kind: str = field(compare=False)
    detail: dict[str, Any] = field(compare=False)
    attempt: int = field(default=0, compare=False)
    request: tuple[str, bytes, dict[str, str]] | None = field(default=None, compare=False)


class Dispatcher:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self._cond = threading.Condition()
        self._intake: list[Message] = []
        self._heap: list[Job] = []
        self._seq = itertools.count()
        self._generation = 0
        self._stopped = True
        self._queues: list[queue.Queue[Job | None]] = [queue.Queue(maxsize=10_000) for _ in range(SENDERS)]
        self._threads: list[threading.Thread] = []
        self._svix = Webhook(emulator.credentials.webhook_secret)
        self._twilio = RequestValidator(emulator.credentials.twilio_token)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self._stopped = False
        self._threads = [threading.Thread(target=self._schedule, name="emulator-world", daemon=True)]
        self._threads += [
            threading.Thread(target=self._send, args=(q,), name=f"emulator-webhooks-{i}", daemon=True)
            for i, q in enumerate(self._queues)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        for q in self._queues:
            q.put(None)
        for thread in self._threads:
            thread.join(timeout=5)

    def clear(self) -> None:
        """Forget everything pending (reset): jobs already handed to senders are skipped."""
        with self._cond:
            self._generation += 1
            self._intake.clear()
            self._heap.clear()

    def pending(self) -> int:
        with self._cond:
            return len(self._intake) + len(self._heap)

    # -- request path ----------------------------------------------------------------------------
    def submit(self, messages: list[Message]) -> None:
        with self._cond:
            room = MAX_PENDING - len(self._intake) - len(self._heap)
            if room < len(messages):
                self.emu.store.stats.webhooks_dropped += len(messages) - max(room, 0)
                messages = messages[: max(room, 0)]
            self._intake.extend(messages)
            self._cond.notify()

    # -- scheduler thread ------------------------------------------------------------------------
    def _schedule(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and not self._intake and not self._due():
                    self._cond.wait(self._heap[0].due - time.monotonic() if self._heap else None)
                if self._stopped:
                    return
                intake, self._intake = self._intake, []
                self._plan(intake)
                ready = []
                while self._due():
                    ready.append(heapq.heappop(self._heap))
            for job in ready:
                self._queues[hash(job.message.id) % SENDERS].put(job)

    def _due(self) -> bool:
        return bool(self._heap) and self._heap[0].due <= time.monotonic()

    def _plan(self, messages: list[Message]) -> None:
        now, cfg, rng = time.monotonic(), self.emu.config, self.emu.rng
        for message in messages:
            steps = world.plan(message, cfg, rng)
            message = slim(message)
            for delay, kind, detail in steps:
                job = Job(now + delay, next(self._seq), self._generation, message, kind, detail)
                heapq.heappush(self._heap, job)

    def _retry(self, job: Job) -> None:
        with self._cond:
            if job.generation != self._generation:
                return
            job.attempt += 1
            job.due = time.monotonic() + RETRY_BASE_S * 2 ** (job.attempt - 1)
            job.seq = next(self._seq)
            heapq.heappush(self._heap, job)
            self._cond.notify()

    # -- sender threads --------------------------------------------------------------------------
    def _send(self, jobs: queue.Queue[Job | None]) -> None:
        poster = Poster()
        while (job := jobs.get()) is not None:
            try:
                self._deliver(poster, job)
            except Exception:  # noqa: BLE001 - the world must keep turning whatever happens
                log.exception("emulator: webhook job %s failed", job.kind)
        poster.close()

    def _deliver(self, poster: Poster, job: Job) -> None:
        if job.generation != self._generation or self._stopped:
            return
        if job.attempt == 0:
            self._happen(job)
            if not self.emu.config.webhooks:
                return
            job.request = self._request(job)
        if job.request is None:
            return
        url, body, headers = job.request
        error = None
        try:
            status, content = poster.post(url, body, headers)
            if 200 <= status < 300:
                with self.emu.store.lock:
                    self.emu.store.stats.webhooks_sent += 1
                return
            error = f"{job.kind} -> {url}: HTTP {status} {content[:200].decode(errors='replace')}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{job.kind} -> {url}: {exc.__class__.__name__}: {exc}"
        if job.attempt < self.emu.config.webhook_retries:
            with self.emu.store.lock:
                self.emu.store.stats.webhook_retries += 1
            self._retry(job)
            return
        with self.emu.store.lock:
            self.emu.store.stats.webhook_failures += 1
            self.emu.store.stats.last_webhook_error = error

    def _happen(self, job: Job) -> None:
        """The event takes effect on the kept message (if still kept), whether or not anyone is told."""
        kind = job.kind
        with self.emu.store.lock:
            message = self.emu.store.get(job.message.id) or job.message
            if kind in SMS_STATUS:
                message.status = SMS_STATUS[kind]
                message.error_code = job.detail.get("error_code")
                if kind == "sms.sent":
                    message.date_sent = time.time()
            elif kind == "sms.stop":
                self.emu.store.opted_out.add(message.to[0])
            elif kind.startswith("email.") and kind != "email.received":
                message.status = kind.removeprefix("email.")

    def _request(self, job: Job) -> tuple[str, bytes, dict[str, str]] | None:
        """URL, body and signed headers for one event; None when there is nowhere to send it."""
        message, kind, base = job.message, job.kind, self.emu.config.webhook_url.rstrip("/")
        if kind == "unsubscribe":
            url = payloads.unsubscribe_url(message)
            form = {"List-Unsubscribe": "One-Click"}
            return (url, urlencode(form).encode(), _FORM) if url else None
        if kind == "email.received":
            now = time.time()
            received = payloads.reply_email(message, now)
            self.emu.store.keep_received(received)  # for GET /emails/receiving/{id}
            body = json.dumps(payloads.received_event(received, now))
            return f"{base}/webhooks/resend", body.encode(), self._svix_headers(body, now)
        if kind.startswith("email."):
            now = time.time()
            body = json.dumps(payloads.resend_event(kind, message, job.detail, now))
            return f"{base}/webhooks/resend", body.encode(), self._svix_headers(body, now)
        if kind in SMS_STATUS:
            url = message.data.get("StatusCallback")
            params = payloads.twilio_status(message, SMS_STATUS[kind], job.detail.get("error_code"))
        else:
            url = f"{base}/webhooks/twilio/inbound"
            params = payloads.twilio_inbound(message, job.detail["body"])
        if not url:
            return None
        signature = self._twilio.compute_signature(url, params)
        return url, urlencode(params).encode(), {**_FORM, "X-Twilio-Signature": signature}

    def _svix_headers(self, body: str, now: float) -> dict[str, str]:
        msg_id = "msg_" + secrets.token_urlsafe(18)
        stamp = datetime.fromtimestamp(int(now), tz=UTC)
        return {
            "content-type": "application/json",
            "svix-id": msg_id,
            "svix-timestamp": str(int(now)),
            "svix-signature": self._svix.sign(msg_id, stamp, body),
            "user-agent": "Svix-Webhooks/1.0 (emulator)",
        }


_FORM = {"content-type": "application/x-www-form-urlencoded"}


def slim(message: Message) -> Message:
    """What the events still need, without bodies: pending webhooks then cost ~0.5 kB a message."""
    if message.channel != "email":
        return message
    data = {k: message.data.get(k) for k in ("from", "to", "subject", "tags", "reply_to")}
    data["headers"] = dict(message.data.get("headers") or {})  # small; events list them
    return Message(message.id, message.channel, message.to, message.campaign, message.recipient, data, message.created)
