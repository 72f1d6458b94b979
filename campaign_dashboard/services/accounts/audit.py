"""The audit log: who started, paused or cancelled a campaign, changed a user or a token, exported
the contacts, and from where.

Append-only on purpose: this module has no function to change or delete an entry, and nothing
else in the code writes the table. A log that the people it records could edit would answer no
question a manager asks of it (the database refuses an UPDATE too: a trigger in migration
0004_audit). The actor's email or token name is copied into each entry
(`actor_label`) so deleting a user or revoking a token leaves their history readable.

Adapters call `record` for each write they carry out: the API's middleware (`api/audit.py`) for
every successful POST/PUT/PATCH/DELETE, the dashboard's handler guard, and the contact import and
export wherever they run. Actions are `<object type>.<verb>`, e.g. `email_campaign.start`,
`user.update`, `contacts.export`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from campaign_dashboard.models import ApiToken, AuditEntry, User, utcnow
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.pagination import Page, page_of

CONTACTS_EXPORT = "contacts.export"
CONTACTS_IMPORT = "contacts.import"
SUPPRESSIONS_EXPORT = "suppressions.export"
CONTACT_EXPORT = "contact.export"  # a GDPR export of one contact (the API's `GET .../export` too)
CONTACT_ERASE = "contact.erase"  # a GDPR erasure; its detail holds counts, never the address
_MAX = {"action": 100, "object_type": 50, "object_id": 100, "client_address": 100}


def record(
    session: Session,
    *,
    actor_user_id: int | None = None,
    actor_token_id: int | None = None,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    client_address: str | None = None,
    detail: dict[str, Any] | None = None,
    system: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (the caller commits it with its own write).
    `system`: no person did it; the label says what did (e.g. the reputation breaker). `at`: when,
    if not now (the demo data's past)."""
    if not action:
        raise ValidationFailed("An audit entry needs an action.", details=[{"field": "action", "message": "required"}])
    entry = AuditEntry(
        at=at or utcnow(),
        actor_user_id=actor_user_id,
        actor_token_id=actor_token_id,
        actor_label=f"system: {system}" if system else _actor_label(session, actor_user_id, actor_token_id),
        action=action[: _MAX["action"]],
        object_type=_cut(object_type, "object_type"),
        object_id=_cut(None if object_id is None else str(object_id), "object_id"),
        client_address=_cut(client_address, "client_address"),
        detail=detail or None,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditFilters:
    """What the admin page and `GET /api/v1/audit-log` filter on; empty fields do not filter.

    `actor` matches part of the actor's email or token name; `action` is an exact action or a
    type prefix (`email_campaign` matches `email_campaign.start`); `since`/`until` bound `at`.
    """

    actor: str = ""
    actor_user_id: int | None = None
    actor_token_id: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def list_entries(
    session: Session, *, filters: AuditFilters = AuditFilters(), cursor: str | None = None, limit: int = 50
) -> Page[AuditEntry]:
    """Entries newest first, one keyset page at a time (see services/pagination)."""
    query = select(AuditEntry)
    if filters.actor.strip():
        query = query.where(col(AuditEntry.actor_label).ilike(f"%{_like(filters.actor.strip())}%", escape="\\"))
    if filters.actor_user_id is not None:
        query = query.where(col(AuditEntry.actor_user_id) == filters.actor_user_id)
    if filters.actor_token_id is not None:
        query = query.where(col(AuditEntry.actor_token_id) == filters.actor_token_id)
    if action := filters.action.strip():
        query = query.where(
            or_(col(AuditEntry.action) == action, col(AuditEntry.action).startswith(action + ".", autoescape=True))
        )
    if filters.object_type.strip():
        query = query.where(col(AuditEntry.object_type) == filters.object_type.strip())
    if filters.object_id.strip():
        query = query.where(col(AuditEntry.object_id) == filters.object_id.strip())
    since, until = _aware(filters.since), _aware(filters.until)
    if since and until and since > until:
        raise ValidationFailed(
            "The date range ends before it starts.", details=[{"field": "until", "message": "before since"}]
        )
    if since:
        query = query.where(col(AuditEntry.at) >= since)
    if until:
        query = query.where(col(AuditEntry.at) <= until)
    return page_of(session, query, id_column=col(AuditEntry.id), cursor=cursor, limit=limit, newest_first=True)


def actions(session: Session) -> list[str]:
    """Every action recorded so far, for the page's filter."""
    return list(session.exec(select(col(AuditEntry.action)).distinct().order_by(col(AuditEntry.action))).all())


def _actor_label(session: Session, user_id: int | None, token_id: int | None) -> str:
    if user_id is not None:
        user = session.get(User, user_id)
        return user.email if user else f"user {user_id}"
    if token_id is not None:
        token = session.get(ApiToken, token_id)
        return f"token {token.name} ({token.prefix}…)" if token else f"token {token_id}"
    return ""


def _aware(moment: datetime | None) -> datetime | None:
    """A time without an offset is taken as UTC, the zone every entry is stored in."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _cut(value: str | None, field: str) -> str | None:
    return value[: _MAX[field]] if value else None


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
