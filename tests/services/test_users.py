"""Dashboard users: accounts, password login with throttling, sessions and logout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from campaign_dashboard.models import Role, User, UserSession, utcnow
from campaign_dashboard.services import users
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


def test_five_wrong_passwords_lock_the_account_for_a_minute_then_longer(session, alice):
    now = utcnow()
    for _ in range(users.MAX_FAILED_LOGINS - 1):
        with pytest.raises(AuthenticationFailed) as info:
            users.authenticate(session=session, email=alice.email, password="guess", now=now)
        assert not isinstance(info.value, users.LoginLocked)
    with pytest.raises(users.LoginLocked) as info:
        users.authenticate(session=session, email=alice.email, password="guess", now=now)
    assert info.value.retry_after == 60

    # Locked: even the right password is refused until the minute has passed.
    with pytest.raises(users.LoginLocked):
        users.authenticate(session=session, email=alice.email, password=PASSWORD, now=now + timedelta(seconds=30))

    # The next wrong password after the lock doubles it.
    later = now + timedelta(seconds=61)
    with pytest.raises(users.LoginLocked) as info:
        users.authenticate(session=session, email=alice.email, password="guess", now=later)
    assert info.value.retry_after == 120

    # Once it expires, the right password works and resets the count.
    much_later = later + timedelta(seconds=121)
    users.authenticate(session=session, email=alice.email, password=PASSWORD, now=much_later)
    session.refresh(alice)
    assert (alice.failed_logins, alice.locked_until) == (0, None)


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
