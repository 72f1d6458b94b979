"""One running emulator: its config, memory, limits and world, shared by every route and thread."""

from __future__ import annotations

import asyncio
import random
import time

from .config import Credentials, EmulatorConfig
from .contacts import Directory
from .ratelimit import Limiters, SlidingWindow
from .state import Message, Store
from .webhooks import Dispatcher


class Emulator:
    def __init__(self, config: EmulatorConfig, credentials: Credentials) -> None:
        self.config = self.initial = config
        self.credentials = credentials
        self.rng = random.Random(config.seed)
        self.store = Store(config.keep_messages, config.track_addresses)
        self.directory = Directory()
        self.resend_window = SlidingWindow(config.resend_rps)
        self.twilio_windows = Limiters(config.twilio_mps)
        self.dispatcher = Dispatcher(self)
        self.injected: list[dict] = []  # documented errors to answer the next sends with

    def inject(self, error: dict) -> None:
        """Answer the next `times` send requests (POST) of `provider` with this documented error."""
        with self.store.lock:
            self.injected.append(dict(error))

    def take_injected(self, provider: str) -> dict | None:
        """The injected error the next `provider` send gets, if any (used up one at a time)."""
        with self.store.lock:
            for error in self.injected:
                if error["provider"] == provider and error["times"] > 0:
                    error["times"] -= 1
                    self.store.stats.errors += 1
                    return error
        return None

    def configure(self, changes: dict) -> EmulatorConfig:
        """Apply a validated change; limits and retention follow at once."""
        self.config = self.config.updated(changes)
        if self.config.resend_rps != self.resend_window.rate:
            self.resend_window = SlidingWindow(self.config.resend_rps)
        if "seed" in changes:
            self.rng.seed(self.config.seed)
        self.store.keep_messages = self.config.keep_messages
        self.store.stats.track_addresses = self.config.track_addresses
        return self.config

    def reset(self, config: bool = False) -> None:
        """Forget messages, counters, pending webhooks, contacts; the config too (back to the
        one it started with) when asked."""
        if config:
            self.config = self.initial
            self.configure({"seed": self.initial.seed})
        self.dispatcher.clear()
        self.injected = []
        self.store.reset()
        self.directory.reset()
        self.resend_window = SlidingWindow(self.config.resend_rps)
        self.twilio_windows = Limiters(self.config.twilio_mps)

    def accepted(self, messages: list[Message]) -> None:
        """Count and keep the messages, then hand them to the world (or settle them when it is off)."""
        for message in messages:
            self.store.accept(message)
        if self.config.webhooks:
            self.dispatcher.submit(messages)
            return
        now = time.time()
        with self.store.lock:
            for message in messages:
                message.status = "delivered"
                message.date_sent = now

    async def misbehave(self) -> str | None:
        """Configured latency, then maybe an injected failure: "error" (500) or "timeout" (held, 504).

        A timed-out request is held past the client's timeout and then NOT accepted: the client
        cannot tell, so it must retry (with the same idempotency key) to get the message out.
        """
        cfg = self.config
        if cfg.latency_ms:
            await asyncio.sleep(cfg.latency_ms / 1000)
        roll = self.rng.random()
        if roll >= cfg.timeout_rate + cfg.error_rate:
            return None
        with self.store.lock:
            self.store.stats.errors += 1
        if roll < cfg.timeout_rate:
            await asyncio.sleep(cfg.timeout_ms / 1000)
            return "timeout"
        return "error"

    def throttled(self) -> None:
        with self.store.lock:
            self.store.stats.throttled += 1
