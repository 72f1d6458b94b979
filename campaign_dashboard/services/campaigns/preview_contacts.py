"""The real contact a campaign being written is previewed as: one of its audience, stepped through
in id order (next, previous) or found by a search on address or name.

The sample contact shows the layout; a real one shows what a recipient will get, including the
attribute that is missing for some of them. The audience is the snapshot's own query, so the
contact previewed is one the campaign would send to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from campaign_dashboard.models import Channel, Contact, Segment, id_of
from campaign_dashboard.services.audience.contacts import tags_of
from campaign_dashboard.services.campaigns.rendering import CONTACT_FIELDS
from campaign_dashboard.services.errors import NotFound
from campaign_dashboard.services.sending.audience_snapshot import audience_query

MAX_SEARCH = 200  # characters of a search that count


@dataclass(frozen=True)
class PreviewContact:
    """Who the preview is rendered for, and where they stand in the audience ("3 of 2,838")."""

    contact_id: int
    label: str  # "Ann Lee <ann@example.com>"
    position: int
    total: int
    values: dict[str, Any]  # what the template sees (fields, attributes, tags)


def pick(
    *,
    session: Session,
    channel: str,
    segment_id: int,
    after: int | None = None,
    before: int | None = None,
    search: str = "",
) -> PreviewContact | None:
    """The first audience member after contact id `after`, the last before `before`, or the
    first whose address or name contains `search`; None when there is none."""
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"Segment {segment_id} does not exist.")
    audience = audience_query(Channel(channel), segment).subquery()
    member = audience.c.contact_id
    query = select(member)
    if before is not None:
        query = query.where(member < before).order_by(member.desc())
    else:
        query = query.where(member > (after or 0)).order_by(member)
    if text := search.strip()[:MAX_SEARCH].lower():
        names = func.lower(func.coalesce(col(Contact.first_name), "") + " " + func.coalesce(col(Contact.last_name), ""))
        query = query.join(Contact, col(Contact.id) == member).where(
            or_(func.lower(audience.c.address).contains(text, autoescape=True), names.contains(text, autoescape=True))
        )
    found = session.scalar(query.limit(1))
    if found is None:
        return None
    contact = session.get(Contact, found)
    assert contact is not None  # it was just read through the audience
    total = session.scalar(select(func.count()).select_from(audience)) or 0
    position = session.scalar(select(func.count()).select_from(audience).where(member <= found)) or 0
    values: dict[str, Any] = {field: getattr(contact, field) for field in CONTACT_FIELDS}
    values["attributes"] = dict(contact.attributes or {})
    values["tags"] = tags_of(session=session, contact_ids=[found]).get(found, [])
    return PreviewContact(
        contact_id=id_of(contact), label=_label(contact, channel), position=position, total=total, values=values
    )


def _label(contact: Contact, channel: str) -> str:
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    address = contact.email if Channel(channel) is Channel.EMAIL else contact.phone
    return f"{name} <{address}>" if name else str(address)
