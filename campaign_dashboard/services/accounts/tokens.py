"""API bearer tokens: shown once at creation, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from campaign_dashboard.models import ApiToken, Role, utcnow
from campaign_dashboard.services.errors import AuthenticationFailed, NotFound, ValidationFailed

TOKEN_PREFIX = "cdt_"
# "Last used" is kept to the minute: a busy script must not turn every API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    *, session: Session, name: str, role: str, expires_in: timedelta | None = None, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token, valid until revoked or for `expires_in`; returns the row and the plain
    token, which is never stored."""
    if role not in {r.value for r in Role}:
        raise ValidationFailed(
            f"Unknown role {role!r}: use admin, marketer or viewer.",
            details=[{"field": "role", "message": "unknown role"}],
        )
    if not name.strip():
        raise ValidationFailed("A token needs a name.", details=[{"field": "name", "message": "required"}])
    if expires_in is not None and expires_in <= timedelta(0):
        raise ValidationFailed(
            "A token's lifetime must be positive.", details=[{"field": "expires_in", "message": "must be positive"}]
        )
    if len(name.strip()) > 200:
        raise ValidationFailed(
            "A token's name has at most 200 characters.",
            details=[{"field": "name", "message": "at most 200 characters"}],
        )
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = (now or utcnow()) + expires_in if expires_in is not None else None
    row = ApiToken(name=name.strip(), token_hash=hash_token(plain), prefix=plain[:10], role=role, expires_at=expires_at)
    session.add(row)
    session.commit()
    return row, plain


def list_tokens(*, session: Session) -> list[ApiToken]:
    """Every token, live ones first, newest first."""
    return list(
        session.exec(select(ApiToken).order_by(col(ApiToken.revoked_at).is_not(None), col(ApiToken.id).desc())).all()
    )


def authenticate_token(*, session: Session, token: str, now: datetime | None = None) -> ApiToken:
    """The live token row for `token`, or AuthenticationFailed. Notes when it was last used."""
    row = session.exec(select(ApiToken).where(col(ApiToken.token_hash) == hash_token(token))).first()
    now = now or utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise AuthenticationFailed("Invalid, expired or revoked API token.")
    if row.last_used_at is None or row.last_used_at <= now - LAST_USED_RESOLUTION:
        session.execute(
            update(ApiToken)
            .where(col(ApiToken.id) == row.id)
            .where(or_(col(ApiToken.last_used_at).is_(None), col(ApiToken.last_used_at) <= now - LAST_USED_RESOLUTION))
            .values(last_used_at=now)
        )
        session.commit()
        session.refresh(row)
    return row


def is_live(token: ApiToken, *, now: datetime | None = None) -> bool:
    """Neither revoked nor expired."""
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > (now or utcnow()))


def revoke_token(*, session: Session, token_id: int) -> ApiToken:
    """Revoke for good (the token is refused from now on); revoking twice is harmless."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"No API token with id {token_id}.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.commit()
    return row
