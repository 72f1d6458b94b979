"""Addresses no campaign may target, and what counts as "the same address".

The address normalisers live here because a suppression must match a contact whatever way the
address was typed: emails are validated and lowercased, phone numbers become E.164. Contacts,
CSV import and the webhooks all normalise through these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from campaign_dashboard.models import Channel, Suppression
from campaign_dashboard.services.errors import ValidationFailed

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_PHONE_REGION = "US"
"""Region assumed for phone numbers written without a +country prefix."""


def normalize_email(value: str, *, field: str = "email") -> str:
    """The address in canonical form (validated, lowercase), or ValidationFailed."""
    raw = (value or "").strip()
    if not raw:
        raise _invalid(field, "An email address is required.")
    try:
        normalized = validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise _invalid(field, f"{raw!r} is not a valid email address: {exc}") from None
    return normalized.lower()


def normalize_phone(value: str, *, region: str = DEFAULT_PHONE_REGION, field: str = "phone") -> str:
    """The number in E.164 (`+14155550123`), or ValidationFailed.

    Numbers without a leading `+` are read as numbers of `region`.
    """
    raw = (value or "").strip()
    if not raw:
        raise _invalid(field, "A phone number is required.")
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise _invalid(
            field,
            f"{raw!r} is not a valid phone number: use international format like +14155550123"
            f" (numbers without + are read as {region} numbers).",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_address(channel: str, address: str, *, region: str = DEFAULT_PHONE_REGION) -> str:
    """An email for the email channel, an E.164 number for SMS."""
    channel = parse_channel(channel)
    if channel is Channel.EMAIL:
        return normalize_email(address, field="address")
    return normalize_phone(address, region=region, field="address")


def parse_channel(value: str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise _invalid("channel", f"Unknown channel {value!r}: use 'email' or 'sms'.") from None


def stage_suppression(
    *,
    session: Session,
    channel: str,
    address: str,
    reason: str,
    source: str = "manual",
    region: str = DEFAULT_PHONE_REGION,
) -> Suppression:
    """Suppress `address` on `channel`; an already suppressed address keeps the first row. Not
    committed, for callers that change more in the same transaction (`add_suppression` commits)."""
    channel = parse_channel(channel)
    address = normalize_address(channel, address, region=region)
    reason = (reason or "").strip()[:50] or "manual"
    existing = find_suppression(session, channel, address)
    if existing is not None:
        return existing
    row = Suppression(channel=channel, address=address, reason=reason, source=(source or "manual")[:100])
    try:
        with session.begin_nested():  # a concurrent insert of the same address is not an error
            session.add(row)
    except IntegrityError:
        existing = find_suppression(session, channel, address)
        if existing is None:
            raise
        return existing
    return row


def unstage_suppression(*, session: Session, channel: str, address: str, region: str = DEFAULT_PHONE_REGION) -> bool:
    """Lift the suppression; True if there was one. Not committed (`remove_suppression` commits)."""
    channel = parse_channel(channel)
    address = normalize_address(channel, address, region=region)
    result = session.exec(
        delete(Suppression).where(col(Suppression.channel) == channel, col(Suppression.address) == address)
    )
    return result.rowcount > 0


def _committed(stage: Callable[P, R]) -> Callable[P, R]:
    """`stage`, then a commit of the `session` it was given."""

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        result = stage(*args, **kwargs)
        cast(Session, kwargs["session"]).commit()
        return result

    return run


add_suppression = _committed(stage_suppression)
remove_suppression = _committed(unstage_suppression)


def is_suppressed(*, session: Session, channel: str, address: str, region: str = DEFAULT_PHONE_REGION) -> bool:
    channel = parse_channel(channel)
    try:
        address = normalize_address(channel, address, region=region)
    except ValidationFailed:
        return False  # an address that cannot exist cannot be on the list
    return find_suppression(session, channel, address) is not None


def list_suppressions(
    *,
    session: Session,
    channel: str | None = None,
    search: str | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[Suppression]:
    """Suppressions by id, optionally for one channel and containing `search`.

    Keyset-paginated: pass the last id you got as `after_id` for the next page.
    """
    if not 1 <= limit <= 1000:
        raise _invalid("limit", "limit must be between 1 and 1000.")
    query = select(Suppression).order_by(col(Suppression.id)).limit(limit)
    if channel:
        query = query.where(col(Suppression.channel) == parse_channel(channel))
    if search and search.strip():
        query = query.where(col(Suppression.address).icontains(search.strip(), autoescape=True))
    if after_id is not None:
        query = query.where(col(Suppression.id) > after_id)
    return list(session.exec(query).all())


def find_suppression(session: Session, channel: Channel, address: str) -> Suppression | None:
    query = select(Suppression).where(col(Suppression.channel) == channel, col(Suppression.address) == address)
    return session.exec(query).first()


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": field, "message": message}])
