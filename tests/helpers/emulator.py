"""The emulator seen from outside: a quiet configuration, and an app-side webhook receiver that
verifies every callback exactly as the app must (svix for Resend, RequestValidator for Twilio)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from svix.webhooks import Webhook, WebhookVerificationError
from twilio.request_validator import RequestValidator

from campaign_dashboard.config import (
    EMULATOR_TWILIO_TOKEN,
    EMULATOR_WEBHOOK_SECRET,
)

QUIET_WORLD = {
    "resend_rps": 0,
    "twilio_mps": 0,
    "bounce_rate": 0,
    "open_rate": 0,
    "proxy_open_rate": 0,
    "click_rate": 0,
    "reply_rate": 0,
    "unsubscribe_rate": 0,
    "complaint_rate": 0,
    "webhook_delay_ms": 0,
}


@dataclass
class Received:
    """Webhooks the receiver got: (route, payload, signature valid)."""

    calls: list[tuple[str, Any, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, payload: Any, valid: bool) -> None:
        with self.lock:
            self.calls.append((route, payload, valid))

    def of(self, route: str) -> list[tuple[Any, bool]]:
        with self.lock:
            return [(p, v) for r, p, v in self.calls if r == route]

    def wait_for(self, check: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; received so far: {self.calls}")
            time.sleep(0.02)


def receiver_app(received: Received) -> FastAPI:
    app = FastAPI()
    svix = Webhook(EMULATOR_WEBHOOK_SECRET)
    twilio = RequestValidator(EMULATOR_TWILIO_TOKEN)

    @app.post("/webhooks/resend")
    async def resend_hook(request: Request) -> dict:
        body = await request.body()
        try:
            svix.verify(body, dict(request.headers))
            valid = True
        except WebhookVerificationError:
            valid = False
        payload = json.loads(body)
        received.add("resend", payload, valid)
        return {}

    async def twilio_hook(route: str, request: Request) -> dict:
        params = dict(await request.form())
        valid = twilio.validate(str(request.url), params, request.headers.get("x-twilio-signature", ""))
        received.add(route, {"url": str(request.url), "params": params}, valid)
        return {}

    @app.post("/webhooks/twilio/inbound")
    async def inbound(request: Request) -> dict:
        return await twilio_hook("inbound", request)

    @app.post("/webhooks/twilio/status")
    async def status(request: Request) -> dict:
        return await twilio_hook("status", request)

    @app.post("/unsubscribe/{token}")
    async def unsubscribe(token: str, request: Request) -> dict:
        received.add("unsubscribe", {"token": token, "body": (await request.body()).decode()}, True)
        return {}

    return app


@dataclass
class Emu:
    """Handle on a running emulator: its URL and its control routes."""

    url: str
    receiver_url: str
    received: Received

    def configure(self, **changes: Any) -> dict:
        response = httpx.post(f"{self.url}/_emulator/config", json=changes)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict:
        return httpx.get(f"{self.url}/_emulator/stats").json()

    def messages(self, **query: Any) -> list[dict]:
        return httpx.get(f"{self.url}/_emulator/messages", params=query).json()
