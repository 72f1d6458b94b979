"""The emulator's memory: what was accepted, counted for truth, kept for lookups.

Counters cover every message ever accepted (that is what tests and benchmarks assert on); full
messages are kept only for the last `keep_messages`, so a million-message run stays small. Duplicate
detection keeps one 64-bit hash per (campaign, address) pair instead of the strings.
One re-entrant lock guards everything: request handlers and the webhook threads both write here.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

IDEMPOTENCY_TTL_S = 24 * 3600
IDEMPOTENCY_MAX_KEYS = 100_000


@dataclass(slots=True)
class Message:
    """One accepted email or SMS; `data` is the request payload as the client sent it."""

    id: str
    channel: str  # "email" | "sms"
    to: list[str]  # bare addresses / numbers, as counted
    campaign: str | None
    recipient: str | None
    data: dict[str, Any]
    created: float = field(default_factory=time.time)
    status: str = "queued"
    date_sent: float | None = None
    error_code: int | None = None

    def public(self) -> dict[str, Any]:
        """What `/_emulator/messages` shows."""
        return {
            "id": self.id,
            "channel": self.channel,
            "to": self.to,
            "campaign": self.campaign,
            "recipient": self.recipient,
            "status": self.status,
            "created": self.created,
            "date_sent": self.date_sent,
            "error_code": self.error_code,
            "data": self.data,
        }


@dataclass(frozen=True)
class Replay:
    """A stored response to send again for a repeated idempotency key."""

    status: int
    body: bytes


class Stats:
    """The truth about what was sent: totals, per address, per campaign, duplicates."""

    def __init__(self, track_addresses: bool = True) -> None:
        self.track_addresses = track_addresses
        self.accepted = 0
        self.duplicates = 0
        self.throttled = 0
        self.errors = 0
        self.webhooks_sent = 0
        self.webhook_failures = 0
        self.webhook_retries = 0  # deliveries that failed and were tried again later
        self.webhooks_dropped = 0
        self.last_webhook_error: str | None = None
        self.by_address: dict[str, int] = {}
        self.by_campaign: dict[str, dict[str, int]] = {}
        self._pairs: set[int] = set()

    def count(self, address: str, campaign: str | None) -> None:
        """A second message to one address in one campaign is a duplicate (no campaign: by address)."""
        self.accepted += 1
        if self.track_addresses:
            self.by_address[address] = self.by_address.get(address, 0) + 1
        pair = hash((campaign or "", address))
        duplicate = pair in self._pairs
        self._pairs.add(pair)
        self.duplicates += duplicate
        if campaign is not None:
            per = self.by_campaign.setdefault(campaign, {"accepted": 0, "duplicates": 0})
            per["accepted"] += 1
            per["duplicates"] += duplicate

    def public(self, by_address: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "throttled": self.throttled,
            "errors": self.errors,
            "webhooks_sent": self.webhooks_sent,
            "webhook_failures": self.webhook_failures,
            "webhook_retries": self.webhook_retries,
            "webhooks_dropped": self.webhooks_dropped,
            "last_webhook_error": self.last_webhook_error,
            "by_campaign": {k: dict(v) for k, v in self.by_campaign.items()},
        }
        if by_address:
            out["by_address"] = dict(self.by_address)
        return out


class Store:
    """Accepted messages, idempotency records and opt-outs. Hold `lock` to combine steps atomically."""

    def __init__(self, keep_messages: int, track_addresses: bool = True) -> None:
        self.lock = threading.RLock()
        self.keep_messages = keep_messages
        self.stats = Stats(track_addresses)
        self.opted_out: set[str] = set()
        self._messages: OrderedDict[str, Message] = OrderedDict()
        self._by_to: dict[str, deque[str]] = {}
        self._idempotency: OrderedDict[tuple[str, str], tuple[str, float, Replay]] = OrderedDict()
        self._received: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def accept(self, message: Message) -> None:
        with self.lock:
            for address in message.to:
                self.stats.count(address, message.campaign)
            if self.keep_messages <= 0:
                return
            self._messages[message.id] = message
            for address in message.to:
                self._by_to.setdefault(address, deque()).append(message.id)
            while len(self._messages) > self.keep_messages:
                self._forget_oldest()

    def _forget_oldest(self) -> None:
        _, old = self._messages.popitem(last=False)
        for address in old.to:
            ids = self._by_to.get(address)
            if ids and ids[0] == old.id:
                ids.popleft()
            if not ids:
                self._by_to.pop(address, None)

    def get(self, message_id: str) -> Message | None:
        with self.lock:
            return self._messages.get(message_id)

    def to(self, address: str) -> list[Message]:
        """Kept messages to one address, oldest first."""
        with self.lock:
            ids = self._by_to.get(address, ())
            return [self._messages[i] for i in ids if i in self._messages]

    def all(self) -> list[Message]:
        with self.lock:
            return list(self._messages.values())

    def keep_received(self, email: dict[str, Any]) -> None:
        """An inbound email (a recipient's reply), kept like messages: the last `keep_messages`."""
        with self.lock:
            self._received[email["id"]] = email
            while len(self._received) > max(self.keep_messages, 1):
                self._received.popitem(last=False)

    def received(self, email_id: str) -> dict[str, Any] | None:
        with self.lock:
            return self._received.get(email_id)

    def recall(self, scope: str, key: str, digest: str) -> Replay | str | None:
        """The first response for this key, "conflict" when the body differs, None when new."""
        with self.lock:
            entry = self._idempotency.get((scope, key))
            if entry is None:
                return None
            first_digest, at, replay = entry
            if time.time() - at > IDEMPOTENCY_TTL_S:
                del self._idempotency[(scope, key)]
                return None
            return replay if first_digest == digest else "conflict"

    def remember(self, scope: str, key: str, digest: str, replay: Replay) -> None:
        with self.lock:
            self._idempotency[(scope, key)] = (digest, time.time(), replay)
            while len(self._idempotency) > IDEMPOTENCY_MAX_KEYS:
                self._idempotency.popitem(last=False)

    def reset(self) -> None:
        with self.lock:
            self.stats = Stats(self.stats.track_addresses)
            self.opted_out.clear()
            self._messages.clear()
            self._by_to.clear()
            self._idempotency.clear()
            self._received.clear()
