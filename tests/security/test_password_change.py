"""The account page's password form and the login of a user whose password an admin reset: the
server checks the session cookie, the current password (throttled like logins) and the new one,
and answers with a redirect naming any refusal by a code. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from campaign_dashboard.api import create_api
from campaign_dashboard.models import Role, User
from campaign_dashboard.services.accounts import users

PASSWORD = "long-enough-password-1"
NEW = "another-long-passphrase"


@pytest.fixture
def client(engine: sa.Engine) -> Iterator[TestClient]:
    with Session(engine) as session:
        users.create_user(session=session, email="ann@example.com", name="Ann", password=PASSWORD, role=Role.VIEWER)
        users.create_user(session=session, email="root@example.com", name="Root", password=PASSWORD, role=Role.ADMIN)
    with TestClient(create_api(), base_url="http://dashboard.test") as client:
        yield client


def log_in(client: TestClient, password: str = PASSWORD, next_path: str = "/contacts"):
    return client.post(
        "/api/session/login",
        data={"email": "ann@example.com", "password": password, "next": next_path},
        follow_redirects=False,
    )


def change(client: TestClient, current: str, new: str, confirm: str | None = None, **headers):
    confirm = new if confirm is None else confirm
    return client.post(
        "/api/session/password",
        data={"current_password": current, "new_password": new, "confirm_password": confirm},
        headers=headers,
        follow_redirects=False,
    )


def can_log_in(engine, password: str) -> bool:
    with Session(engine) as session:
        try:
            users.authenticate(session=session, email="ann@example.com", password=password)
        except users.AuthenticationFailed:
            return False
    return True


def test_a_signed_in_user_changes_their_password_and_stays_signed_in(client, engine):
    assert log_in(client).status_code == 303
    other_browser = TestClient(create_api(), base_url="http://dashboard.test")
    assert log_in(other_browser).status_code == 303
    response = change(client, PASSWORD, NEW)
    assert response.status_code == 303 and response.headers["location"] == "/account?changed=1"
    assert can_log_in(engine, NEW) and not can_log_in(engine, PASSWORD)
    with Session(engine) as session:
        assert users.user_for_session(session=session, token=client.cookies["cd_session"]).email == "ann@example.com"
        with pytest.raises(users.AuthenticationFailed):  # the other browser was signed out
            users.user_for_session(session=session, token=other_browser.cookies["cd_session"])


@pytest.mark.parametrize(
    "current, new, confirm, code",
    [
        ("wrong-password-typed", NEW, NEW, "current_wrong"),
        (PASSWORD, "short", "short", "too_short"),
        (PASSWORD, NEW, NEW + "x", "mismatch"),
        (PASSWORD, PASSWORD, PASSWORD, "same"),
        (PASSWORD, "ann@example.com", "ann@example.com", "is_email"),
    ],
)
def test_a_refused_change_goes_back_naming_the_problem_and_changes_nothing(client, engine, current, new, confirm, code):
    log_in(client)
    response = change(client, current, new, confirm)
    assert response.status_code == 303 and response.headers["location"] == f"/account?error={code}"
    assert can_log_in(engine, PASSWORD)


def test_without_a_session_the_form_goes_to_the_login_page(client, engine):
    response = change(client, PASSWORD, NEW)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert can_log_in(engine, PASSWORD)


def test_a_form_posted_from_another_site_is_refused(client, engine):
    log_in(client)
    assert change(client, PASSWORD, NEW, Origin="https://evil.example").status_code == 403
    assert can_log_in(engine, PASSWORD)


def test_guessing_the_current_password_from_an_open_session_is_throttled(client, engine):
    log_in(client)
    answers = [change(client, f"guess-number-{i}", NEW).headers["location"] for i in range(users.LOGIN_ATTEMPTS + 1)]
    assert answers[-1] == "/account?error=throttled"
    # even the right one, for now
    assert change(client, PASSWORD, NEW).headers["location"] == "/account?error=throttled"
    assert can_log_in(engine, PASSWORD)


def test_after_an_admin_reset_the_login_leads_to_the_account_page_first(client, engine):
    with Session(engine) as session:
        admin = session.query(User).filter_by(email="root@example.com").one()
        ann = session.query(User).filter_by(email="ann@example.com").one()
        _, temporary = users.reset_password(session=session, actor_id=admin.id, user_id=ann.id)
    response = log_in(client, temporary, next_path="/contacts")
    assert response.status_code == 303 and response.headers["location"] == "/account?next=%2Fcontacts"
    response = client.post(
        "/api/session/password",
        data={"current_password": temporary, "new_password": NEW, "confirm_password": NEW, "next": "/contacts"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/contacts"
    with Session(engine) as session:
        assert not session.query(User).filter_by(email="ann@example.com").one().must_change_password


def test_a_reset_user_who_asked_for_nothing_lands_on_the_account_page_with_no_onward_page(client, engine):
    with Session(engine) as session:
        admin = session.query(User).filter_by(email="root@example.com").one()
        ann = session.query(User).filter_by(email="ann@example.com").one()
        _, temporary = users.reset_password(session=session, actor_id=admin.id, user_id=ann.id)
    response = log_in(client, temporary, next_path="")
    assert response.status_code == 303 and response.headers["location"] == "/account"
    assert change(client, temporary, NEW).headers["location"] == "/account?changed=1"  # the page confirms


@pytest.mark.parametrize(
    ("referer", "lands_on"),
    [
        ("http://dashboard.test/login?next=%2Fcontacts", "/contacts"),
        ("http://dashboard.test/login/?next=/segments", "/segments"),
        ("http://dashboard.test/login?next=%2F%2Fevil.example", "/"),  # still only a path on this site
        ("http://evil.example/login?next=%2Fcontacts", "/"),  # another site's page names nothing
        ("http://dashboard.test/contacts?next=%2Fsegments", "/"),  # only the login page's own address
        ("", "/"),
    ],
)
def test_a_login_posted_before_the_page_copied_next_into_the_form_still_goes_where_the_address_asked(
    client, referer, lands_on
):
    """The hidden `next` is filled once the page has loaded; a quick submit posts it empty, and the
    address the browser names in Referer still carries it."""
    response = client.post(
        "/api/session/login",
        data={"email": "ann@example.com", "password": PASSWORD},
        headers={"Referer": referer} if referer else {},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == lands_on


def test_a_password_change_posted_before_the_page_copied_next_still_goes_on(client, engine):
    with Session(engine) as session:
        admin = session.query(User).filter_by(email="root@example.com").one()
        ann = session.query(User).filter_by(email="ann@example.com").one()
        _, temporary = users.reset_password(session=session, actor_id=admin.id, user_id=ann.id)
    log_in(client, temporary)
    response = change(client, temporary, NEW, Referer="http://dashboard.test/account?next=%2Fcontacts")
    assert response.status_code == 303 and response.headers["location"] == "/contacts"
