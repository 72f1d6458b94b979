"""The login and logout routes: the server alone sets the session cookie (HttpOnly, SameSite=Strict,
Secure in production), a refused login says the same for an unknown email as for a wrong
password, and a form posted from another site is refused. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from campaign_dashboard.api import create_api
from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Role, UserSession
from campaign_dashboard.services.accounts import users

PASSWORD = "long-enough-password-1"


@pytest.fixture
def client(engine: sa.Engine) -> Iterator[TestClient]:
    with Session(engine) as session:
        users.create_user(session=session, email="ann@example.com", name="Ann", password=PASSWORD, role=Role.MARKETER)
    with TestClient(create_api(), base_url="http://dashboard.test") as client:
        yield client


def log_in(client: TestClient, email: str = "ann@example.com", password: str = PASSWORD, **headers):
    return client.post(
        "/api/session/login",
        data={"email": email, "password": password, "next": "/contacts"},
        headers=headers,
        follow_redirects=False,
    )


def set_cookie(response) -> str:
    return response.headers.get("set-cookie", "")


def test_login_sets_an_httponly_strict_cookie_and_goes_on(client, engine):
    response = log_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/contacts"
    cookie = set_cookie(response)
    assert cookie.startswith("cd_session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Max-Age=43200" in cookie and "Secure" not in cookie  # plain http outside production
    with Session(engine) as session:
        assert len(session.exec(select(UserSession)).all()) == 1


def test_in_production_the_cookie_is_secure(client, monkeypatch):
    monkeypatch.setenv("ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-key-that-is-long-enough-1234")
    get_settings.cache_clear()
    try:
        assert "Secure" in set_cookie(log_in(client))
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("email, password", [("ann@example.com", "wrong-password"), ("nobody@example.com", PASSWORD)])
def test_a_refused_login_says_the_same_for_an_unknown_email_and_sets_no_cookie(client, engine, email, password):
    response = log_in(client, email, password)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?error=wrong&next=%2Fcontacts"
    assert "cd_session" not in set_cookie(response)
    with Session(engine) as session:
        assert session.exec(select(UserSession)).all() == []


def test_a_login_form_posted_from_another_site_is_refused(client, engine):
    response = log_in(client, Origin="https://evil.example")
    assert response.status_code == 403 and "cd_session" not in set_cookie(response)
    assert log_in(client, Origin="http://dashboard.test").status_code == 303


def test_an_offsite_next_is_ignored(client):
    response = client.post(
        "/api/session/login",
        data={"email": "ann@example.com", "password": PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_logout_ends_the_session_and_clears_the_cookie(client, engine):
    assert log_in(client).cookies["cd_session"]  # the client sends it back from now on, as a browser does
    response = client.post("/api/session/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    cleared = set_cookie(response)
    assert cleared.startswith('cd_session=""') and "Max-Age=0" in cleared and "HttpOnly" in cleared
    with Session(engine) as session:
        assert session.exec(select(UserSession)).all() == []
