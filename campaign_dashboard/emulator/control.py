"""`/_emulator/*`: the truth about what was sent, and the knobs of the world (no auth: loopback only)."""

from __future__ import annotations

import time
import uuid
from email.utils import parseaddr
from typing import Any, Literal

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, Field, ValidationError

from .guards import EmulatorDep
from .payloads import as_list, bare, iso, received_event

router = APIRouter(prefix="/_emulator", tags=["emulator"])


@router.get("/health")
def health() -> dict[str, bool]:
    return {"ok": True}


@router.get("/stats")
def stats(emu: EmulatorDep, by_address: bool = True) -> dict[str, Any]:
    """Counters since the last reset; `?by_address=false` skips the per-address map on huge runs."""
    with emu.store.lock:
        out = emu.store.stats.public(by_address=by_address)
    out["webhooks_pending"] = emu.dispatcher.pending()
    return out


@router.get("/config")
def get_config(emu: EmulatorDep) -> dict[str, Any]:
    return emu.config.model_dump()


@router.post("/config")
def set_config(emu: EmulatorDep, changes: dict[str, Any] = Body(...)) -> dict[str, Any]:
    try:
        return emu.configure(changes).model_dump()
    except ValidationError as exc:
        raise HTTPException(422, exc.errors(include_url=False, include_context=False)) from None


@router.post("/reset")
def reset(emu: EmulatorDep, body: dict[str, Any] | None = Body(default=None)) -> dict[str, Any]:
    """Clear messages, counters, pending webhooks and contacts; `{"config": true}` restores defaults too."""
    emu.reset(config=bool((body or {}).get("config")))
    return {"ok": True, "config": emu.config.model_dump()}


@router.get("/messages")
def messages(
    emu: EmulatorDep, to: str | None = None, campaign: str | None = None, channel: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Kept messages (the last `keep_messages`), newest first, with the payload as the client sent it."""
    kept = emu.store.to(to if to.startswith("+") else bare(to)) if to else emu.store.all()
    found = [
        m
        for m in reversed(kept)
        if (campaign is None or m.campaign == campaign) and (channel is None or m.channel == channel)
    ]
    with emu.store.lock:
        return [m.public() for m in found[:limit]]


@router.post("/opt-out")
def opt_out(emu: EmulatorDep, body: dict[str, str] = Body(...)) -> dict[str, Any]:
    """Mark `{"number": "+1..."}` as having texted STOP: further sends to it get error 21610."""
    with emu.store.lock:
        emu.store.opted_out.add(body["number"])
    return {"ok": True, "opted_out": body["number"]}


@router.post("/inbound")
def inbound(emu: EmulatorDep, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """An email arrives at the receiving domain: `{"from", "to", "subject", "text", "html",
    "headers", "cc"}`. It is kept for `GET /emails/receiving/{id}`; the answer is the received email
    and the metadata-only `email.received` event Resend would send for it (not posted)."""
    now = time.time()
    email_id = str(uuid.uuid4())
    # Resend documents `from` of a received email as the bare address; the display name stays in
    # the `From` header the Receiving API returns (resend.com/docs/webhooks/emails/received).
    sender = str(body.get("from") or "")
    name, address = parseaddr(sender)
    headers = dict(body.get("headers") or {})
    if name and not any(k.lower() == "from" for k in headers):
        headers["from"] = sender
    received = {
        "object": "email",
        "id": email_id,
        "to": as_list(body.get("to")),
        "from": address or sender,
        "created_at": iso(now),
        "subject": str(body.get("subject") or ""),
        "message_id": str(body.get("message_id") or f"<{email_id}@mail.example.net>"),
        "bcc": [],
        "cc": as_list(body.get("cc")),
        "reply_to": [],
        "html": body.get("html"),
        "text": body.get("text"),
        "headers": headers,
        "attachments": [],
    }
    emu.store.keep_received(received)
    return {"email": received, "event": received_event(received, now)}


class InjectedError(BaseModel):
    """A documented provider error the next `times` sends get (Resend: `name`; Twilio: `code`)."""

    provider: Literal["resend", "twilio"]
    status: int = Field(ge=400, le=599)
    name: str = ""
    code: int = 0
    message: str = "Injected by the emulator"
    times: int = Field(default=1, ge=1)


@router.post("/inject-error")
def inject_error(emu: EmulatorDep, body: InjectedError) -> dict[str, Any]:
    """E.g. `{"provider": "resend", "status": 429, "name": "daily_quota_exceeded"}` or
    `{"provider": "twilio", "status": 400, "code": 21611, "times": 2}`: the next send requests
    (POST) of that provider are answered with it, after authentication and the rate limit."""
    emu.inject(body.model_dump())
    return {"ok": True, "injected": body.model_dump()}
