"""Each provider event is stored once, and events we could not apply are kept, never dropped.

`store_once` is the replay guard every event path shares: the unique provider event id (or
provider id) decides, so a replay, or a concurrent delivery of the same event, changes nothing.
Events we verified but could not apply (unknown message id) go to the dead-letter table.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from campaign_dashboard.models import DeadLetterEvent, table_of, utcnow


class Outcome(StrEnum):
    """What applying one provider event did. Every outcome is acknowledged with 200."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    DEAD_LETTER = "dead_letter"


def store_once(*, session: Session, row: SQLModel) -> bool:
    """Insert `row`; False (and the transaction rolled back) if its unique key is already stored.

    No SELECT first: the unique constraint answers in the INSERT itself, and also for a concurrent
    delivery of the same event that a SELECT could not see yet."""
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True


def insert_once(*, session: Session, table: Table, key: str, values: dict[str, Any]) -> int | None:
    """INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id: the new row's id, or None if that
    key is already stored. One round trip and no exception, so the caller's transaction (and the
    row locks it holds) stays usable; a concurrent insert of the same key waits, then yields None."""
    statement = _insert_once(session.get_bind().dialect.name, table, key)
    return session.execute(statement, values).scalar()


@lru_cache(maxsize=32)
def _insert_once(dialect: str, table: Table, key: str) -> Insert:
    """Built once per table: the VALUES columns come from the bound parameters."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=[key]).returning(table.c.id)


def dead_letter(
    *,
    session: Session,
    provider: str,
    provider_event_id: str,
    type: str,
    reason: str,
    payload: dict[str, Any],
    commit: bool = True,
) -> Outcome:
    """Store the event with the reason, once per provider event id; commits unless told not to
    (a batch of events commits once)."""
    inserted = insert_once(
        session=session,
        table=table_of(DeadLetterEvent),
        key="provider_event_id",
        values=dict(
            provider=provider,
            provider_event_id=provider_event_id,
            type=type[:40],
            reason=reason,
            payload=payload,
            received_at=utcnow(),
        ),
    )
    if commit:
        session.commit()
    return Outcome.DEAD_LETTER if inserted is not None else Outcome.DUPLICATE
