"""Events we verified but could not apply (unknown message id) are kept, never dropped."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from campaign_dashboard.models import DeadLetterEvent, utcnow


class Outcome(StrEnum):
    """What applying one provider event did. Every outcome is acknowledged with 200."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    DEAD_LETTER = "dead_letter"


def dead_letter(
    *,
    session: Session,
    provider: str,
    provider_event_id: str,
    type: str,
    reason: str,
    payload: dict[str, Any],
) -> Outcome:
    """Store the event with the reason, once per provider event id; commits."""
    table = DeadLetterEvent.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(
            provider=provider, provider_event_id=provider_event_id, type=type[:40],
            reason=reason, payload=payload, received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["provider_event_id"])
        .returning(table.c.id)
    )
    inserted = session.execute(statement).first() is not None
    session.commit()
    return Outcome.DEAD_LETTER if inserted else Outcome.DUPLICATE
