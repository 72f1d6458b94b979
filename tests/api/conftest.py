"""API fixtures: a TestClient over a fresh app on the parametrized database, and one token per role.

Tokens are made in their own short session: on SQLite every transaction takes the write lock
(BEGIN IMMEDIATE), so a test should not keep a session transaction open while it calls the API.
Use `db` for a throwaway session to check or arrange rows between requests, and `assert_error`
to check an error response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from campaign_dashboard.api import create_api
from campaign_dashboard.models import Role
from campaign_dashboard.services.accounts.tokens import create_token


@pytest.fixture
def client(engine: sa.Engine) -> Iterator[TestClient]:
    """A client on a new app whose requests use `engine` (installed as the default engine)."""
    with TestClient(create_api()) as client:
        yield client


@pytest.fixture
def db(engine: sa.Engine) -> Callable[[], AbstractContextManager[Session]]:
    """`with db() as session:` a short-lived session that commits on leaving the block."""

    @contextmanager
    def open_session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    return open_session


def _token(engine: sa.Engine, role: Role) -> str:
    with Session(engine) as session:
        _, plain = create_token(session=session, name=f"test {role.value}", role=role.value)
    return plain


@pytest.fixture
def admin_token(engine: sa.Engine) -> str:
    return _token(engine, Role.ADMIN)


@pytest.fixture
def marketer_token(engine: sa.Engine) -> str:
    return _token(engine, Role.MARKETER)


@pytest.fixture
def viewer_token(engine: sa.Engine) -> str:
    return _token(engine, Role.VIEWER)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_headers(admin_token: str) -> dict[str, str]:
    return _bearer(admin_token)


@pytest.fixture
def marketer_headers(marketer_token: str) -> dict[str, str]:
    return _bearer(marketer_token)


@pytest.fixture
def viewer_headers(viewer_token: str) -> dict[str, str]:
    return _bearer(viewer_token)


def assert_error(response, status: int, code: str) -> dict:
    """The response is the API's JSON error with this status and code, and says why; returns the error."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error
