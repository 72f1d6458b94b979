"""Which contacts a rule set selects, read the two ways the app reads it (ids and count)."""

from __future__ import annotations

from sqlmodel import Session, select

from campaign_dashboard.models import Contact, Segment
from campaign_dashboard.services.audience.segment_rules import contact_ids_select, count_contacts


def names_matching(session: Session, rules: list, match: str = "all") -> set[str]:
    """First names of the contacts the rules select; the count agrees with the ids."""
    segment = Segment(name="s", kind="rules", rules=rules, match=match)
    ids = contact_ids_select(segment=segment).subquery()
    found = set(session.exec(select(Contact.first_name).join(ids, ids.c.id == Contact.id)).all())
    assert count_contacts(session=session, segment=segment) == len(found)
    return found
