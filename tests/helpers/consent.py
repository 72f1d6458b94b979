"""Consent sources for tests that call the services directly, and reading the ledger back."""

from __future__ import annotations

from sqlmodel import Session, col, select

from campaign_dashboard.models import ConsentEntry, Role
from campaign_dashboard.services.audience.consent import ConsentSource, SourceKind

MARKETER = ConsentSource(SourceKind.API, "API token (tests, marketer)", role=Role.MARKETER)
ADMIN = ConsentSource(SourceKind.API, "API token (tests, admin)", role=Role.ADMIN)
IMPORT = ConsentSource(SourceKind.CSV_IMPORT, "contacts.csv, by tests", role=Role.MARKETER)


def ledger(session: Session, contact_id: int | None = None) -> list[ConsentEntry]:
    """The ledger, oldest first (one contact's, or all)."""
    session.expire_all()
    query = select(ConsentEntry).order_by(col(ConsentEntry.id))
    if contact_id is not None:
        query = query.where(col(ConsentEntry.contact_id) == contact_id)
    return list(session.exec(query).all())


def changes(session: Session, contact_id: int | None = None) -> list[tuple[str, str, str]]:
    """(channel, event, source) of each entry, oldest first."""
    return [(e.channel, e.event, e.source) for e in ledger(session, contact_id)]
