"""API bearer tokens: shown once at creation, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from campaign_dashboard.models import ApiToken, Role, utcnow
from campaign_dashboard.services.errors import AuthenticationFailed, ValidationFailed

TOKEN_PREFIX = "cdt_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, session: Session, name: str, role: str) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the plain token, which is never stored."""
    if role not in {r.value for r in Role}:
        raise ValidationFailed(f"Unknown role {role!r}: use admin, marketer or viewer.")
    if not name.strip():
        raise ValidationFailed("A token needs a name.")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip(), token_hash=hash_token(plain), prefix=plain[:10], role=role)
    session.add(row)
    session.commit()
    return row, plain


def authenticate_token(*, session: Session, token: str) -> ApiToken:
    """The live token row for `token`, or AuthenticationFailed."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        raise AuthenticationFailed("Invalid or revoked API token.")
    return row


def revoke_token(*, session: Session, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()
