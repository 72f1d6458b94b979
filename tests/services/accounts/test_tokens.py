"""API tokens: created with a name and role, listed, marked when used, revoked for good."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaign_dashboard.models import ApiToken, Role, utcnow
from campaign_dashboard.services.accounts import tokens
from campaign_dashboard.services.errors import AuthenticationFailed, NotFound, ValidationFailed


def test_a_token_is_stored_only_as_a_hash_and_authenticates(session):
    row, plain = tokens.create_token(session=session, name=" deploy script ", role=Role.MARKETER)
    assert plain.startswith(tokens.TOKEN_PREFIX) and row.prefix == plain[:10]
    assert row.name == "deploy script" and plain not in row.token_hash
    assert tokens.authenticate_token(session=session, token=plain).id == row.id


@pytest.mark.parametrize(("name", "role", "field"), [("", "viewer", "name"), ("x", "owner", "role")])
def test_bad_tokens_are_refused_naming_the_field(session, name, role, field):
    with pytest.raises(ValidationFailed) as info:
        tokens.create_token(session=session, name=name, role=role)
    assert [d["field"] for d in info.value.details] == [field]
    assert tokens.list_tokens(session=session) == []


def test_tokens_are_listed_live_first_then_newest_first(session):
    first, _ = tokens.create_token(session=session, name="first", role="viewer")
    second, _ = tokens.create_token(session=session, name="second", role="viewer")
    third, _ = tokens.create_token(session=session, name="third", role="admin")
    tokens.revoke_token(session=session, token_id=third.id)
    assert [t.name for t in tokens.list_tokens(session=session)] == ["second", "first", "third"]


def test_using_a_token_notes_when_at_most_once_a_minute(session):
    row, plain = tokens.create_token(session=session, name="script", role="viewer")
    assert row.last_used_at is None
    now = utcnow()
    assert tokens.authenticate_token(session=session, token=plain, now=now).last_used_at == now
    # Within the minute the stored time stays (no write per request) ...
    soon = now + timedelta(seconds=30)
    assert tokens.authenticate_token(session=session, token=plain, now=soon).last_used_at == now
    # ... after it, the new time is stored.
    later = now + timedelta(seconds=61)
    tokens.authenticate_token(session=session, token=plain, now=later)
    session.expire_all()
    assert session.get(ApiToken, row.id).last_used_at == later


def test_a_revoked_token_is_refused_and_revoking_twice_is_harmless(session):
    row, plain = tokens.create_token(session=session, name="old", role="marketer")
    revoked = tokens.revoke_token(session=session, token_id=row.id)
    when = revoked.revoked_at
    assert when is not None
    with pytest.raises(AuthenticationFailed):
        tokens.authenticate_token(session=session, token=plain)
    assert tokens.revoke_token(session=session, token_id=row.id).revoked_at == when


def test_revoking_an_unknown_token_says_so(session):
    with pytest.raises(NotFound):
        tokens.revoke_token(session=session, token_id=12345)
