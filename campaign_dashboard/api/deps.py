"""FastAPI dependencies: a database session per request, and the caller's API token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlmodel import Session

from campaign_dashboard.db import get_engine
from campaign_dashboard.models import ApiToken, Role
from campaign_dashboard.services.accounts.roles import require_role
from campaign_dashboard.services.accounts.tokens import authenticate_token
from campaign_dashboard.services.errors import AuthenticationFailed, ValidationFailed
from campaign_dashboard.services.limits import MAX_ID


def get_session() -> Iterator[Session]:
    """One session per request; rolled back on any error so nothing is half-written."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session)]
# An object id in the path: a number no row can have (past 32 bits, zero, negative) is a 422.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def current_token(request: Request, session: SessionDep) -> ApiToken:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Missing bearer token: send 'Authorization: Bearer <token>'.")
    return authenticate_token(session=session, token=token.strip())


async def refuse_nul_characters(request: Request) -> None:
    """No NUL character anywhere in the query or a JSON body: PostgreSQL cannot store one in text
    (it answered a 500) and no field of ours means anything by it. The field is named."""
    for name, value in request.query_params.multi_items():
        if "\x00" in value:
            raise _nul(f"query.{name}")
    if "json" not in request.headers.get("content-type", ""):
        return
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return  # not JSON: the route's own parsing answers 400
    path = _nul_path(body, "")
    if path is not None:
        raise _nul(path or "body")


def _nul_path(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in key:
                return where
            found = _nul_path(item, where)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_path(item, f"{path}.{i}" if path else str(i))
            if found is not None:
                return found
    return None


def _nul(field: str) -> ValidationFailed:
    field, message = field.replace("\x00", "?"), "must not contain NUL characters"
    return ValidationFailed(f"{field}: {message}", details=[{"field": field, "message": message}])


def writer(token: Annotated[ApiToken, Depends(current_token)]) -> ApiToken:
    """Changing anything needs marketer or admin."""
    require_role(token.role, Role.MARKETER)
    return token


def admin(token: Annotated[ApiToken, Depends(current_token)]) -> ApiToken:
    """Reading the audit log (and other admin-only reads) needs the admin role."""
    require_role(token.role, Role.ADMIN)
    return token


Reader = Annotated[ApiToken, Depends(current_token)]  # any valid token may read
Writer = Annotated[ApiToken, Depends(writer)]
Admin = Annotated[ApiToken, Depends(admin)]
