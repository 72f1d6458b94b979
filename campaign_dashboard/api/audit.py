"""The audit log over HTTP: every successful API write is recorded, and admins can read the log.

`AuditMiddleware` wraps the REST API. For each POST/PUT/PATCH/DELETE under `/api/v1` it holds the
response back until the route (and its database session) has finished, and when the status is
2xx it appends one entry (services/audit) before the response leaves: a client that saw success
can find its write in the log. A GET of an `.../export` route (a bulk export, e.g.
`contacts.export`) streams as usual and is recorded once it was sent. The actor is the bearer
token, the action and object come from the matched route
(`POST /api/v1/email-campaigns/{campaign_id}/start` -> `email_campaign.start` on
`email_campaign` <id>; a create takes the new object's id from the response).

Refused writes (4xx) are not recorded: they changed nothing, and recording them would let anyone
without a token fill an append-only table. POST routes that only compute (previews) are skipped.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel
from sqlmodel import select
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from campaign_dashboard.api.deps import Admin, SessionDep
from campaign_dashboard.db import session_scope
from campaign_dashboard.models import ApiToken
from campaign_dashboard.services.accounts import audit
from campaign_dashboard.services.accounts.tokens import hash_token
from campaign_dashboard.services.pagination import MAX_LIMIT

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
READS_BY_POST = {"preview", "preview-count"}  # POST only because the input is large; nothing changes
AUDITED_READS = {"export"}  # a GET that hands out data in bulk is recorded too: `contacts.export`
VERB_BY_METHOD = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}
MAX_BODY_FOR_ID = 64 * 1024  # a create's response is read for the new id only when it is small


def install_audit(app: FastAPI) -> None:
    """Record the API's writes (the log is served by `router`, in api/app.py's ROUTERS)."""
    app.add_middleware(AuditMiddleware)


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_audited(scope):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET":  # an export: streamed as it comes, recorded once it was sent
            await self._export(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        try:
            await self.app(scope, receive, hold)
        finally:
            # Whatever happened, the client gets what the app answered (nothing is lost).
            start = next((m for m in held if m["type"] == "http.response.start"), None)
            if start is not None and 200 <= start["status"] < 300:
                await _record(scope, held)
            for message in held:
                await send(message)

    async def _export(self, scope: Scope, receive: Receive, send: Send) -> None:
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if 200 <= status < 300:
            await _record(scope, [])


def _is_audited(scope: Scope) -> bool:
    if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
        return False
    last = scope["path"].rstrip("/").rsplit("/", 1)[-1]
    if scope["method"] in WRITE_METHODS:
        return last not in READS_BY_POST
    return scope["method"] == "GET" and last in AUDITED_READS


async def _record(scope: Scope, held: list[Message]) -> None:
    action, object_type, object_id = describe(scope, _response_id(held))
    bearer = _bearer(scope)
    client = scope.get("client")

    def write() -> None:
        with session_scope() as session:
            token_id = (
                session.exec(select(ApiToken.id).where(ApiToken.token_hash == hash_token(bearer))).first()
                if bearer
                else None
            )
            audit.record(
                session,
                actor_token_id=token_id,
                action=action,
                object_type=object_type,
                object_id=object_id,
                client_address=client[0] if client else None,
                detail={"method": scope["method"], "path": scope["path"]},
            )

    try:
        await anyio.to_thread.run_sync(write)
    except Exception:  # noqa: BLE001 - the write itself succeeded; say loudly that its record did not
        logger.exception("could not record %s %s in the audit log", scope["method"], scope["path"])


def describe(scope: Scope, created_id: Any = None) -> tuple[str, str | None, str | None]:
    """(action, object type, object id) of a routed write, from the route's path template."""
    route = scope.get("route")
    template = getattr(route, "path", None) or scope["path"]
    params = scope.get("path_params") or {}
    parts = [p for p in template[len(API_PREFIX) :].split("/") if p]
    if not parts:
        return scope["method"].lower(), None, None
    collection = parts[0].replace("-", "_")
    singular = collection.removesuffix("s")
    rest = parts[1:]
    if rest and _is_param(rest[0]):
        object_id = params.get(rest[0][1:-1])
        verbs = [p.replace("-", "_") for p in rest[1:] if not _is_param(p)]
        verb = "_".join(verbs) if verbs else VERB_BY_METHOD[scope["method"]]
        return f"{singular}.{verb}", singular, object_id
    if rest:  # an action on the whole collection: contacts.import
        return f"{collection}.{'_'.join(p.replace('-', '_') for p in rest)}", collection, None
    created = None if created_id is None else str(created_id)
    return f"{singular}.{VERB_BY_METHOD[scope['method']]}", singular, created


def _is_param(part: str) -> bool:
    return part.startswith("{") and part.endswith("}")


def _response_id(held: list[Message]) -> Any:
    start = next((m for m in held if m["type"] == "http.response.start"), None)
    if start is None or not Headers(raw=start.get("headers", [])).get("content-type", "").startswith(
        "application/json"
    ):
        return None
    body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
    if len(body) > MAX_BODY_FOR_ID:
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value.get("id") if isinstance(value, dict) else None


def _bearer(scope: Scope) -> str | None:
    scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


# -- reading the log ----------------------------------------------------------------------------

router = APIRouter(prefix="/api/v1/audit-log", tags=["audit-log"])


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor_user_id: int | None
    actor_token_id: int | None
    actor_label: str
    action: str
    object_type: str | None
    object_id: str | None
    client_address: str | None
    detail: dict[str, Any] | None


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    next_cursor: str | None


@router.get("", response_model=AuditPage)
def list_audit_log(
    session: SessionDep,
    _: Admin,
    actor: str = "",
    action: Annotated[str, Query(description="an action, or an object type to match all its actions")] = "",
    object_type: str = "",
    object_id: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> AuditPage:
    """The audit log, newest first (admins only)."""
    filters = audit.AuditFilters(
        actor=actor, action=action, object_type=object_type, object_id=object_id, since=since, until=until
    )
    page = audit.list_entries(session, filters=filters, cursor=cursor, limit=limit)
    return AuditPage(items=[AuditEntryPublic(**e.model_dump()) for e in page.items], next_cursor=page.next_cursor)
