"""Dashboard users: accounts, password login with throttling, sessions and logout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from campaign_dashboard.models import Role, User, UserSession, utcnow
from campaign_dashboard.ratelimit import DatabaseRateLimiter
from campaign_dashboard.services.accounts import users
from campaign_dashboard.services.errors import AuthenticationFailed, Conflict, ValidationFailed

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(session) -> User:
    return users.create_user(
        session=session, email="Alice@Example.com", name="Alice", password=PASSWORD, role=Role.MARKETER
    )


def test_a_new_user_logs_in_with_their_password_whatever_the_email_case(session, alice):
    assert alice.email == "alice@example.com"
    assert alice.password_hash.startswith("$argon2")
    assert PASSWORD not in alice.password_hash
    assert users.authenticate(session=session, email="ALICE@example.com", password=PASSWORD).id == alice.id
    assert alice.last_login_at is not None


def test_a_wrong_password_or_unknown_email_gets_the_same_answer(session, alice):
    with pytest.raises(AuthenticationFailed, match="Wrong email or password"):
        users.authenticate(session=session, email=alice.email, password="nope")
    with pytest.raises(AuthenticationFailed, match="Wrong email or password"):
        users.authenticate(session=session, email="nobody@example.com", password=PASSWORD)


@pytest.mark.parametrize(
    "fields", [{"email": "not-an-email"}, {"role": "owner"}, {"password": "short"}, {"password": ""}]
)
def test_bad_accounts_are_refused(session, fields):
    values = {"email": "bob@example.com", "name": "Bob", "password": PASSWORD, "role": "viewer"} | fields
    with pytest.raises(ValidationFailed):
        users.create_user(session=session, **values)
    assert session.exec(select(User)).all() == []


def test_one_account_per_email(session, alice):
    with pytest.raises(Conflict):
        users.create_user(session=session, email="alice@EXAMPLE.com", name="A2", password=PASSWORD)


def attempt(engine, session, email: str, password: str, address: str):
    """One login as the login route makes it: the throttle first, then the password; the request's
    session ends with the request (the limiter uses its own connections)."""
    try:
        return users.login(
            session=session, email=email, password=password, client_address=address, limiter=DatabaseRateLimiter(engine)
        )
    finally:
        session.rollback()


def test_guessing_from_one_address_never_shuts_the_owner_out_from_another(engine, session, alice):
    """The attacker's wrong passwords are throttled for their own address only: the owner logs in
    from elsewhere at once, and no account is ever locked."""
    email = alice.email
    for _ in range(users.LOGIN_ATTEMPTS):
        with pytest.raises(AuthenticationFailed, match="Wrong email or password") as info:
            attempt(engine, session, email, "guess", "203.0.113.9")
        assert not isinstance(info.value, users.LoginThrottled)
    with pytest.raises(users.LoginThrottled) as info:
        attempt(engine, session, email, PASSWORD, "203.0.113.9")
    assert 0 < info.value.retry_after <= users.LOGIN_REFILL_SECONDS

    user, _ = attempt(engine, session, email, PASSWORD, "198.51.100.7")
    assert user.id == alice.id
    session.refresh(alice)
    assert alice.locked_until is None


def test_only_failures_count_so_the_owner_logging_in_often_is_never_throttled(engine, session, alice):
    for _ in range(3 * users.LOGIN_ATTEMPTS):
        assert attempt(engine, session, "alice@example.com", PASSWORD, "198.51.100.7")[0].id == alice.id


def test_an_unknown_email_is_throttled_with_the_same_answers_as_a_real_one(engine, session, alice):
    """Nothing tells an attacker which emails have accounts: the same message for a wrong password
    and an unknown email, and the same throttling after as many attempts."""
    answers = {}
    for email in ("alice@example.com", "nobody@example.com"):
        seen = []
        for _ in range(users.LOGIN_ATTEMPTS + 1):
            with pytest.raises(AuthenticationFailed) as info:
                attempt(engine, session, email, "guess", "203.0.113.9")
            seen.append((type(info.value).__name__, info.value.message.split(":")[0]))
        answers[email] = seen
    assert answers["alice@example.com"] == answers["nobody@example.com"]
    assert answers["alice@example.com"][-1] == ("LoginThrottled", "Too many login attempts")


def test_a_session_lasts_twelve_hours_and_ends_at_logout(session, alice):
    now = utcnow()
    user, token = users.login(session=session, email=alice.email, password=PASSWORD, now=now)
    assert user.id == alice.id
    stored = session.exec(select(UserSession)).one()
    assert token not in stored.token_hash  # only the hash is stored
    assert stored.expires_at - now == timedelta(hours=12)

    assert users.user_for_session(session=session, token=token, now=now + timedelta(hours=11)).id == alice.id
    users.logout(session=session, token=token)
    with pytest.raises(AuthenticationFailed):
        users.user_for_session(session=session, token=token, now=now)
    users.logout(session=session, token=token)  # twice is harmless


def test_an_expired_session_is_refused_and_removed(session, alice):
    now = utcnow()
    _, token = users.login(session=session, email=alice.email, password=PASSWORD, now=now)
    with pytest.raises(AuthenticationFailed, match="expired"):
        users.user_for_session(session=session, token=token, now=now + timedelta(hours=12, seconds=1))
    assert session.exec(select(UserSession)).all() == []


def test_a_disabled_user_cannot_log_in_or_use_a_session(session, alice):
    _, token = users.login(session=session, email=alice.email, password=PASSWORD)
    alice.is_active = False
    session.add(alice)
    session.commit()
    with pytest.raises(AuthenticationFailed):
        users.user_for_session(session=session, token=token)
    with pytest.raises(AuthenticationFailed):
        users.authenticate(session=session, email=alice.email, password=PASSWORD)


def test_purging_removes_only_expired_sessions(session, alice):
    now = utcnow()
    users.create_session(session=session, user=alice, now=now - timedelta(hours=13))
    users.create_session(session=session, user=alice, now=now)
    assert users.purge_expired_sessions(session=session, now=now) == 1
    assert len(session.exec(select(UserSession)).all()) == 1
