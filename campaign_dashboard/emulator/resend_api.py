"""Resend's email endpoints: send, batch send (<= 100), retrieve; with idempotency keys.

Batch validation follows Resend: "strict" (the default) refuses the whole batch with a 422 naming the
first bad email's index and accepts nothing; `x-batch-validation: permissive` accepts the valid ones
and lists the others in `errors: [{"index", "message"}]`.
Idempotency: the key is scoped per endpoint; the same key with the same JSON body returns the first
response and accepts nothing new, with a different body it is a 409. Only successes are remembered,
so a request that failed (500, 504, 422) can be retried with the same key.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from .errors import json_response, resend_error
from .guards import EmulatorDep, ResendGuard
from .payloads import as_list, bare, iso, provider_message_id, tags_of
from .runtime import Emulator
from .state import Message, Replay

router = APIRouter(tags=["resend"])
BATCH_MAX = 100
ADDRESS = re.compile(
    r"^[^@\s<>\"(),;:\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
NAMED = re.compile(r"^[^<>]*<([^<>]+)>\s*$")
TAG = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
ADDRESS_FORMAT = "The email address needs to follow the `email@example.com` or `Name <email@example.com>` format."


def valid_address(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    named = NAMED.match(value.strip())
    return bool(ADDRESS.match(named.group(1).strip() if named else value.strip()))


def problem(email: Any) -> tuple[str, str] | None:
    """Why Resend would refuse this email: (error name, message), or None."""
    if not isinstance(email, dict):
        return "validation_error", "Each email must be an object."
    for required in ("from", "to", "subject"):
        if not email.get(required):
            return "missing_required_field", f"Missing `{required}` field."
    if len(as_list(email["to"])) > 50:
        return "validation_error", "Too many recipients in `to` field. The maximum is 50."
    for name in ("from", "to", "cc", "bcc", "reply_to"):
        if not all(valid_address(a) for a in as_list(email.get(name))):
            return "validation_error", f"Invalid `{name}` field. {ADDRESS_FORMAT}"
    tags = email.get("tags") or []
    if not isinstance(tags, list) or not all(
        isinstance(t, dict) and TAG.match(str(t.get("name", ""))) and TAG.match(str(t.get("value", ""))) for t in tags
    ):
        return "validation_error", "Tags should only contain ASCII letters, numbers, underscores, or dashes."
    if not isinstance(email.get("headers") or {}, dict):
        return "validation_error", "Invalid `headers` field. It must be an object."
    return None


def to_message(email: dict[str, Any]) -> Message:
    tags = tags_of(email)
    return Message(
        id=str(uuid.uuid4()),
        channel="email",
        to=[bare(a) for a in as_list(email["to"])],
        campaign=tags.get("campaign_id"),
        recipient=tags.get("recipient_id"),
        data=email,
    )


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise resend_error(422, "validation_error", "The request body is not valid JSON.") from None


def _accept_once(
    emu: Emulator, request: Request, payload: Any, make: Callable[[], tuple[list[Message], dict]], headers: dict
) -> Response:
    """Accept and answer, or replay the answer remembered for this idempotency key."""
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= 256:
        raise resend_error(400, "invalid_idempotency_key", "The key must be between 1-256 chars.")
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest() if key else ""
    scope = request.url.path
    with emu.store.lock:
        if key is not None:
            prior = emu.store.recall(scope, key, digest)
            if prior == "conflict":
                raise resend_error(
                    409,
                    "invalid_idempotent_request",
                    "Same idempotency key used with a different request payload. "
                    "Change your idempotency key or payload.",
                )
            if isinstance(prior, Replay):
                return Response(prior.body, prior.status, media_type="application/json", headers=headers)
        messages, body = make()
        encoded = json.dumps(body).encode()
        emu.accepted(messages)
        if key is not None:
            emu.store.remember(scope, key, digest, Replay(200, encoded))
    return Response(encoded, 200, media_type="application/json", headers=headers)


@router.post("/emails")
async def send_email(request: Request, emu: EmulatorDep, headers: ResendGuard) -> Response:
    email = await _json_body(request)
    if found := problem(email):
        raise resend_error(422, *found, headers)

    def make() -> tuple[list[Message], dict]:
        message = to_message(email)
        return [message], {"id": message.id}

    return _accept_once(emu, request, email, make, headers)


@router.post("/emails/batch")
async def send_batch(request: Request, emu: EmulatorDep, headers: ResendGuard) -> Response:
    emails = await _json_body(request)
    if not isinstance(emails, list) or not emails:
        raise resend_error(422, "validation_error", "The batch must be a non-empty array of emails.", headers)
    if len(emails) > BATCH_MAX:
        raise resend_error(422, "validation_error", f"Too many emails in batch. The maximum is {BATCH_MAX}.", headers)
    problems = [(i, found) for i, email in enumerate(emails) if (found := problem(email))]
    permissive = request.headers.get("x-batch-validation", "strict").lower() == "permissive"
    if problems and not permissive:
        index, (name, message) = problems[0]
        raise resend_error(422, name, f"emails[{index}]: {message}", headers)
    bad = {i for i, _ in problems}

    def make() -> tuple[list[Message], dict]:
        messages = [to_message(email) for i, email in enumerate(emails) if i not in bad]
        body: dict[str, Any] = {"data": [{"id": m.id} for m in messages]}
        if permissive:
            body["errors"] = [{"index": i, "message": message} for i, (_, message) in problems]
        return messages, body

    return _accept_once(emu, request, emails, make, headers)


@router.get("/emails/receiving/{email_id}")
async def get_received_email(email_id: str, emu: EmulatorDep, headers: ResendGuard) -> Response:
    """A recipient's reply, with the body and headers its `email.received` webhook left out."""
    received = emu.store.received(email_id)
    if received is None:
        raise resend_error(404, "not_found", "Email not found", headers)
    return json_response(received, headers=headers)


@router.get("/emails/{email_id}")
async def get_email(email_id: str, emu: EmulatorDep, headers: ResendGuard) -> Response:
    message = emu.store.get(email_id)
    if message is None or message.channel != "email":
        raise resend_error(404, "not_found", "Email not found", headers)
    data = message.data
    body = {
        "object": "email",
        "id": message.id,
        "to": as_list(data.get("to")),
        "from": data.get("from"),
        "created_at": iso(message.created),
        "subject": data.get("subject"),
        "html": data.get("html"),
        "text": data.get("text"),
        "bcc": as_list(data.get("bcc")),
        "cc": as_list(data.get("cc")),
        "reply_to": as_list(data.get("reply_to")),
        "last_event": message.status,
        "message_id": provider_message_id(message.id),
    }
    return json_response(body, headers=headers)
