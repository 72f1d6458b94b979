"""A big audience snapshot refreshes the ledger's statistics on PostgreSQL, so the workers' claims
are planned for what the table holds (without them a million-recipient campaign's every claim read
and sorted all its pending rows: docs/benchmarks.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from campaign_dashboard.models import Channel, SegmentContact
from campaign_dashboard.services.sending import audience_snapshot
from tests.factories import make_contact, make_email_campaign, make_segment


def snapshot_of(session: Session, contacts: int) -> int:
    segment = make_segment(session, kind="static")
    people = [make_contact(session) for _ in range(contacts)]
    session.add_all(SegmentContact(segment_id=segment.id, contact_id=c.id) for c in people)
    campaign = make_email_campaign(session, segment_id=segment.id)
    count = audience_snapshot.snapshot_audience(session=session, channel=Channel.EMAIL, campaign=campaign)
    session.commit()
    return count


def planner_rows(session: Session) -> float:
    """What PostgreSQL's planner believes the ledger holds (-1 or 0: never analysed)."""
    query = text("SELECT reltuples FROM pg_class WHERE relname = 'email_campaign_recipients'")
    return session.execute(query).scalar_one()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_big_snapshot_tells_the_planner_how_many_rows_the_ledger_holds(session, monkeypatch):
    monkeypatch.setattr(audience_snapshot, "ANALYZE_AFTER", 50)
    assert snapshot_of(session, 30) == 30
    assert planner_rows(session) != 30  # a small one is left to autovacuum
    assert snapshot_of(session, 80) == 80
    assert planner_rows(session) == 110  # both campaigns' rows, counted by the ANALYZE
