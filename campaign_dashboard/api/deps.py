"""FastAPI dependencies: a database session per request, and the caller's API token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlmodel import Session

from campaign_dashboard.db import get_engine
from campaign_dashboard.models import ApiToken, Role
from campaign_dashboard.services.errors import AuthenticationFailed
from campaign_dashboard.services.limits import MAX_ID
from campaign_dashboard.services.roles import require_role
from campaign_dashboard.services.tokens import authenticate_token


def get_session() -> Iterator[Session]:
    """One session per request; rolled back on any error so nothing is half-written."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session)]
# An object id in the path: a number no row can have (past 64 bits, zero, negative) is a 422.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def current_token(request: Request, session: SessionDep) -> ApiToken:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Missing bearer token: send 'Authorization: Bearer <token>'.")
    return authenticate_token(session=session, token=token.strip())


def writer(token: Annotated[ApiToken, Depends(current_token)]) -> ApiToken:
    """Changing anything needs marketer or admin."""
    require_role(token.role, Role.MARKETER)
    return token


Reader = Annotated[ApiToken, Depends(current_token)]  # any valid token may read
Writer = Annotated[ApiToken, Depends(writer)]
