"""Dashboard users: accounts with a role, password login with throttling, and sessions.

Passwords are hashed with Argon2 (pwdlib). Session tokens are random, shown to the caller once
(for a cookie) and stored only as a SHA-256 hash, like API tokens. After `MAX_FAILED_LOGINS`
wrong passwords in a row an account is locked for a minute, doubling with every further failure.
Admins manage the others' roles, but nobody can leave the dashboard without an active admin.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, update
from sqlmodel import Session, select

from campaign_dashboard.models import Role, User, UserSession, utcnow
from campaign_dashboard.services.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from campaign_dashboard.services.suppressions import normalize_email
from campaign_dashboard.services.tokens import hash_token

MAX_FAILED_LOGINS = 5
LOCK_SECONDS = 60
MAX_LOCK_SECONDS = 3600
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHash((Argon2Hasher(),))
# Verified when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class LoginLocked(AuthenticationFailed):
    """Too many wrong passwords: the account accepts no login until `retry_after` seconds pass."""

    code = "login_locked"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    *,
    session: Session,
    email: str,
    name: str,
    password: str,
    role: str = Role.VIEWER,
    check_strength: bool = True,
) -> User:
    """Create an account. `check_strength=False` is for the development demo account only."""
    _check_role(role)
    if not password or (check_strength and len(password) < MIN_PASSWORD_LENGTH):
        raise ValidationFailed(
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters.",
            details=[{"field": "password", "message": "too short"}],
        )
    address = normalize_email(email)
    if session.exec(select(User).where(User.email == address)).first() is not None:
        raise Conflict(
            f"A user with the email {address} already exists.",
            details=[{"field": "email", "message": "already taken"}],
        )
    user = User(email=address, name=name.strip(), password_hash=hash_password(password), role=role)
    session.add(user)
    session.commit()
    return user


def _check_role(role: str) -> None:
    if role not in {r.value for r in Role}:
        raise ValidationFailed(
            f"Unknown role {role!r}: use admin, marketer or viewer.",
            details=[{"field": "role", "message": "unknown role"}],
        )


def list_users(*, session: Session) -> list[User]:
    """Every account, active ones first, then by email."""
    return list(session.exec(select(User).order_by(User.is_active.desc(), User.email)).all())


def change_role(*, session: Session, actor_id: int, user_id: int, role: str) -> User:
    """Give `user_id` the `role`; `actor_id` must be an active admin. An admin cannot demote
    themselves, and the last active admin cannot be demoted (Conflict)."""
    _check_role(role)
    user = _managed_user(session=session, actor_id=actor_id, user_id=user_id,
                         loses_admin=role != Role.ADMIN, verb="demote")
    user.role = role
    session.add(user)
    session.commit()
    return user


def set_active(*, session: Session, actor_id: int, user_id: int, active: bool) -> User:
    """Deactivate (ending every session of the user) or reactivate an account; `actor_id` must be
    an active admin. An admin cannot deactivate themselves, nor the last active admin (Conflict)."""
    user = _managed_user(session=session, actor_id=actor_id, user_id=user_id,
                         loses_admin=not active, verb="deactivate")
    user.is_active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
    else:
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.add(user)
    session.commit()
    return user


def _managed_user(*, session: Session, actor_id: int, user_id: int, loses_admin: bool, verb: str) -> User:
    """The user an admin is about to change, after the rules that keep an admin in charge.

    Only an active admin may change anyone, and never their own admin rights away, so the actor is
    always an admin left over. The active admins' rows are locked first (FOR UPDATE on PostgreSQL;
    SQLite transactions hold the write lock from the start), so two admins demoting each other at
    once cannot both succeed: the second finds it is no longer an admin.
    """
    admins = session.exec(
        select(User).where(User.role == Role.ADMIN, User.is_active).order_by(User.id).with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if actor_id not in {a.id for a in admins}:
        raise PermissionDenied("Only an active admin can manage users.")
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    if not loses_admin or not (user.role == Role.ADMIN and user.is_active):
        return user
    if user.id == actor_id:
        if len(admins) == 1:
            raise Conflict(f"You are the last active admin: make someone else an admin, then ask them to {verb} you.")
        raise Conflict(f"You cannot {verb} yourself: ask another admin to do it.")
    return user


def authenticate(*, session: Session, email: str, password: str, now: datetime | None = None) -> User:
    """The active user with this email and password, or AuthenticationFailed / LoginLocked.

    Failures are counted in the database (one atomic UPDATE), so throttling holds across every
    web worker; a success resets the count.
    """
    now = now or utcnow()
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.is_active:
        _hasher.verify(password, _DUMMY_HASH)
        raise AuthenticationFailed("Wrong email or password.")
    if user.locked_until is not None and user.locked_until > now:
        raise _locked(user.locked_until, now)

    valid, new_hash = _hasher.verify_and_update(password, user.password_hash)
    if not valid:
        _record_failure(session=session, user=user, now=now)
        if user.locked_until is not None and user.locked_until > now:
            raise _locked(user.locked_until, now)
        raise AuthenticationFailed("Wrong email or password.")

    if new_hash:
        user.password_hash = new_hash
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.add(user)
    session.commit()
    return user


def _record_failure(*, session: Session, user: User, now: datetime) -> None:
    session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
    )
    session.commit()
    session.refresh(user)
    if user.failed_logins >= MAX_FAILED_LOGINS:
        seconds = min(LOCK_SECONDS * 2 ** (user.failed_logins - MAX_FAILED_LOGINS), MAX_LOCK_SECONDS)
        user.locked_until = now + timedelta(seconds=seconds)
        session.add(user)
        session.commit()


def _locked(until: datetime, now: datetime) -> LoginLocked:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    return LoginLocked(
        f"Too many failed logins: try again in {seconds} seconds.", retry_after=seconds
    )


def create_session(*, session: Session, user: User, now: datetime | None = None) -> str:
    """Open a session for `user`; returns the plain token (store it in a cookie)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=hash_token(token), user_id=user.id, created_at=now, expires_at=now + SESSION_LIFETIME
        )
    )
    session.commit()
    return token


def login(*, session: Session, email: str, password: str, now: datetime | None = None) -> tuple[User, str]:
    """Authenticate and open a session: the user and the session token."""
    user = authenticate(session=session, email=email, password=password, now=now)
    return user, create_session(session=session, user=user, now=now)


def user_for_session(*, session: Session, token: str, now: datetime | None = None) -> User:
    """The user behind a live session token, or AuthenticationFailed (unknown, expired, inactive)."""
    now = now or utcnow()
    row = session.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).first()
    if row is None:
        raise AuthenticationFailed("Not logged in.")
    if row.expires_at <= now:
        session.delete(row)
        session.commit()
        raise AuthenticationFailed("Your session has expired: please log in again.")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise AuthenticationFailed("This account is disabled.")
    return user


def logout(*, session: Session, token: str) -> None:
    """End the session; logging out twice is harmless."""
    session.execute(delete(UserSession).where(UserSession.token_hash == hash_token(token)))
    session.commit()


def purge_expired_sessions(*, session: Session, now: datetime | None = None) -> int:
    result = session.execute(delete(UserSession).where(UserSession.expires_at <= (now or utcnow())))
    session.commit()
    return result.rowcount or 0
