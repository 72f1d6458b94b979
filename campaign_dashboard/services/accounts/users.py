"""Dashboard users: accounts with a role, password login with throttling, and sessions.

Passwords are hashed with Argon2 (pwdlib). Session tokens are random, shown to the caller once
(for a cookie) and stored only as a SHA-256 hash, like API tokens. Login attempts are throttled
per email and client address (`throttle_login`); no account is ever locked.
Admins manage the others' roles, but nobody can leave the dashboard without an active admin.
Users change their own password (knowing the current one); an admin's reset gives a one-time
password that must be replaced at the next login (`must_change_password`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete
from sqlmodel import Session, col, select

from campaign_dashboard.models import Role, User, UserSession, id_of, utcnow
from campaign_dashboard.services.accounts.tokens import hash_token
from campaign_dashboard.services.audience.suppressions import normalize_email
from campaign_dashboard.services.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from campaign_dashboard.services.rate_limiter import RateLimiter

LOGIN_ATTEMPTS = 5  # failed logins per email and client address at once, then one every LOGIN_REFILL_SECONDS
LOGIN_REFILL_SECONDS = 60
WRONG_LOGIN = "Wrong email or password."
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1000  # the login form's limit: a longer one could never be typed back

_hasher = PasswordHash((Argon2Hasher(),))
# Verified when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class LoginThrottled(AuthenticationFailed):
    """Too many attempts for this email from this address: wait `retry_after` seconds."""

    code = "login_throttled"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# Each refusal of a new password: (field, words). The dashboard's form names them by code.
PASSWORD_PROBLEMS = {
    "current_wrong": ("current_password", "is not right"),
    "too_short": ("new_password", f"needs at least {MIN_PASSWORD_LENGTH} characters"),
    "too_long": ("new_password", f"may have at most {MAX_PASSWORD_LENGTH} characters"),
    "is_email": ("new_password", "cannot be your email address"),
    "same": ("new_password", "must differ from the current password"),
    "mismatch": ("confirm_password", "does not match the new password"),
}


def password_problem(code: str, *, field: str | None = None) -> ValidationFailed:
    """The refusal `code` of PASSWORD_PROBLEMS, at its field (or `field`, e.g. a new user's `password`)."""
    default_field, words = PASSWORD_PROBLEMS[code]
    field = field or default_field
    subject = {"current_password": "The current password you typed", "confirm_password": "The repeated password"}
    sentence = f"{subject.get(field, 'The ' + field.replace('_', ' '))} {words}."
    return ValidationFailed(sentence, details=[{"field": field, "message": words}])


def password_problem_code(error: ValidationFailed) -> str | None:
    """The PASSWORD_PROBLEMS code of a refusal raised here, or None."""
    for detail in error.details:
        for code, (_, words) in PASSWORD_PROBLEMS.items():
            if detail.get("message") == words:
                return code
    return None


def _check_new_password(password: str, *, field: str, email: str = "", check_strength: bool = True) -> None:
    if not password or (check_strength and len(password) < MIN_PASSWORD_LENGTH):
        raise password_problem("too_short", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise password_problem("too_long", field=field)
    if email and password.strip().lower() == email.strip().lower():
        raise password_problem("is_email", field=field)


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
    _check_new_password(password, field="password", check_strength=check_strength)
    address = normalize_email(email)
    if session.exec(select(User).where(col(User.email) == address)).first() is not None:
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
    return list(session.exec(select(User).order_by(col(User.is_active).desc(), col(User.email))).all())


def change_role(*, session: Session, actor_id: int, user_id: int, role: str) -> User:
    """Give `user_id` the `role`; `actor_id` must be an active admin. An admin cannot demote
    themselves, and the last active admin cannot be demoted (Conflict)."""
    _check_role(role)
    user = _managed_user(
        session=session, actor_id=actor_id, user_id=user_id, loses_admin=role != Role.ADMIN, verb="demote"
    )
    user.role = role
    session.add(user)
    session.commit()
    return user


def set_active(*, session: Session, actor_id: int, user_id: int, active: bool) -> User:
    """Deactivate (ending every session of the user) or reactivate an account; `actor_id` must be
    an active admin. An admin cannot deactivate themselves, nor the last active admin (Conflict)."""
    user = _managed_user(session=session, actor_id=actor_id, user_id=user_id, loses_admin=not active, verb="deactivate")
    user.is_active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
    else:
        _end_sessions(session, user_id=id_of(user))
    session.add(user)
    session.commit()
    return user


def change_password(
    *, session: Session, user_id: int, current_password: str, new_password: str, keep_session: str = ""
) -> User:
    """The user's own change: the current password proves it is them (not someone at an unlocked
    screen); the new one must be long enough, differ from the current one and from the email. Every
    other session of the user ends (a stolen session stops working); `keep_session` (the token of
    the browser making the change) stays signed in."""
    user = session.get(User, user_id, populate_existing=True)
    if user is None or not user.is_active:
        raise NotFound(f"No active user with id {user_id}.")
    if not current_password or not _hasher.verify(current_password, user.password_hash):
        raise password_problem("current_wrong")
    _check_new_password(new_password, field="new_password", email=user.email)
    if new_password == current_password:
        raise password_problem("same")
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    _end_sessions(session, user_id=user_id, keep=keep_session)
    session.add(user)
    session.commit()
    return user


def reset_password(*, session: Session, actor_id: int, user_id: int) -> tuple[User, str]:
    """An admin's reset for a user who forgot their password: a random one-time password, shown to
    the admin once (hand it over in person or by phone), that must be changed at the next login.
    Every session of the user ends. `actor_id` must be an active admin; resetting oneself is
    refused (change your own password instead, which asks for the current one)."""
    user = _managed_user(session=session, actor_id=actor_id, user_id=user_id, loses_admin=False, verb="reset")
    if user.id == actor_id:
        raise Conflict("Change your own password from your account page: it asks for your current one.")
    return user, _give_temporary_password(session, user)


def reset_password_from_console(*, session: Session, email: str) -> tuple[User, str]:
    """`campaign-dashboard user reset-password`: the way back in for the operator of the machine
    when no admin can sign in (the console already holds the database)."""
    user = session.exec(select(User).where(col(User.email) == normalize_email(email))).first()
    if user is None:
        raise NotFound(f"No user with the email {email}.")
    return user, _give_temporary_password(session, user)


def _give_temporary_password(session: Session, user: User) -> str:
    temporary = secrets.token_urlsafe(12)
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    _end_sessions(session, user_id=id_of(user))
    session.add(user)
    session.commit()
    return temporary


def _end_sessions(session: Session, *, user_id: int, keep: str = "") -> None:
    query = delete(UserSession).where(col(UserSession.user_id) == user_id)
    if keep:
        query = query.where(col(UserSession.token_hash) != hash_token(keep))
    session.execute(query)


def _managed_user(*, session: Session, actor_id: int, user_id: int, loses_admin: bool, verb: str) -> User:
    """The user an admin is about to change, after the rules that keep an admin in charge.

    Only an active admin may change anyone, and never their own admin rights away, so the actor is
    always an admin left over. The active admins' rows are locked first (FOR UPDATE on PostgreSQL;
    SQLite transactions hold the write lock from the start), so two admins demoting each other at
    once cannot both succeed: the second finds it is no longer an admin.
    """
    admins = session.exec(
        select(User)
        .where(col(User.role) == Role.ADMIN, col(User.is_active))
        .order_by(col(User.id))
        .with_for_update()
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
    """The active user with this email and password, or AuthenticationFailed: the same message,
    and the same cost (one Argon2 verification), for an unknown email and a wrong password.

    Nothing here locks an account: anyone may type anyone's email, so a lock would let them shut
    its owner out. Guessing is slowed by `login`'s throttle per account and client address.
    """
    now = now or utcnow()
    user = session.exec(select(User).where(col(User.email) == email.strip().lower())).first()
    if user is None or not user.is_active:
        _hasher.verify(password, _DUMMY_HASH)
        raise AuthenticationFailed(WRONG_LOGIN)
    valid, new_hash = _hasher.verify_and_update(password, user.password_hash)
    if not valid:
        raise AuthenticationFailed(WRONG_LOGIN)
    if new_hash:
        user.password_hash = new_hash
    user.last_login_at = now
    session.add(user)
    session.commit()
    return user


def _login_bucket(email: str, client_address: str) -> str:
    return "login:" + hashlib.sha256(f"{email.strip().lower()}|{client_address}".encode()).hexdigest()[:40]


def throttle_login(*, limiter: RateLimiter, email: str, client_address: str, tokens: float = 1) -> None:
    """Take one login attempt from the bucket of this email typed from this address, or raise
    LoginThrottled (`tokens=-1` gives one back). Keyed by what was typed, so an unknown email is
    throttled exactly like a real one (the answer tells nothing), and by address, so someone
    guessing elsewhere never slows the account's owner down. Buckets live in Redis or the
    database: every web process shares them."""
    wait = limiter.acquire(
        _login_bucket(email, client_address), rate=1 / LOGIN_REFILL_SECONDS, burst=LOGIN_ATTEMPTS, tokens=tokens
    )
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise LoginThrottled(f"Too many login attempts: try again in {seconds} seconds.", retry_after=seconds)


def create_session(*, session: Session, user: User, now: datetime | None = None) -> str:
    """Open a session for `user`; returns the plain token (store it in a cookie)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=hash_token(token), user_id=id_of(user), created_at=now, expires_at=now + SESSION_LIFETIME
        )
    )
    session.commit()
    return token


def login(
    *,
    session: Session,
    email: str,
    password: str,
    client_address: str = "",
    limiter: RateLimiter | None = None,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Authenticate (throttled with `limiter`, see `throttle_login`) and open a session: the user
    and the session token. Only failures count: a successful login gives its attempt back."""
    if limiter is not None:
        throttle_login(limiter=limiter, email=email, client_address=client_address)
    user = authenticate(session=session, email=email, password=password, now=now)
    if limiter is not None:
        throttle_login(limiter=limiter, email=email, client_address=client_address, tokens=-1)
    return user, create_session(session=session, user=user, now=now)


def user_for_session(*, session: Session, token: str, now: datetime | None = None) -> User:
    """The user behind a live session token, or AuthenticationFailed (unknown, expired, inactive)."""
    now = now or utcnow()
    row = session.exec(select(UserSession).where(col(UserSession.token_hash) == hash_token(token))).first()
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
    session.execute(delete(UserSession).where(col(UserSession.token_hash) == hash_token(token)))
    session.commit()


def purge_expired_sessions(*, session: Session, now: datetime | None = None) -> int:
    result = session.exec(delete(UserSession).where(col(UserSession.expires_at) <= (now or utcnow())))
    session.commit()
    return result.rowcount or 0
