"""API bearer tokens: shown once at creation, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, select

from campaign_dashboard.models import ApiToken, Role, utcnow
from campaign_dashboard.services.errors import AuthenticationFailed, NotFound, ValidationFailed

TOKEN_PREFIX = "cdt_"
# "Last used" is kept to the minute: a busy script must not turn every API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, session: Session, name: str, role: str) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the plain token, which is never stored."""
    if role not in {r.value for r in Role}:
        raise ValidationFailed(
            f"Unknown role {role!r}: use admin, marketer or viewer.",
            details=[{"field": "role", "message": "unknown role"}],
        )
    if not name.strip():
        raise ValidationFailed("A token needs a name.", details=[{"field": "name", "message": "required"}])
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip(), token_hash=hash_token(plain), prefix=plain[:10], role=role)
    session.add(row)
    session.commit()
    return row, plain


def list_tokens(*, session: Session) -> list[ApiToken]:
    """Every token, live ones first, newest first."""
    return list(session.exec(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).all())


def authenticate_token(*, session: Session, token: str, now: datetime | None = None) -> ApiToken:
    """The live token row for `token`, or AuthenticationFailed. Notes when it was last used."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        raise AuthenticationFailed("Invalid or revoked API token.")
    now = now or utcnow()
    if row.last_used_at is None or row.last_used_at <= now - LAST_USED_RESOLUTION:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == row.id)
            .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_RESOLUTION))
            .values(last_used_at=now)
        )
        session.commit()
        session.refresh(row)
    return row


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
