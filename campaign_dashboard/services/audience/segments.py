"""Segments: who a campaign goes to, as a rule set or a static list of contacts.

Rules are checked and evaluated by `segment_rules` (compiled to one SQL SELECT); this module owns
the segment rows, static memberships, and the rule that history keeps its segment.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, insert, update
from sqlmodel import Session, col, select

from campaign_dashboard.models import (
    CampaignStatus,
    Contact,
    EmailCampaign,
    Segment,
    SegmentContact,
    SmsCampaign,
    id_of,
    utcnow,
)
from campaign_dashboard.services.audience import segment_mirror, segment_rules
from campaign_dashboard.services.errors import Conflict, ValidationFailed
from campaign_dashboard.services.limits import Id, check_single_line
from campaign_dashboard.services.pagination import Page, page_of
from campaign_dashboard.services.rows import get_row, grouped

KINDS = ("rules", "static")
_IN_CHUNK = 1000


class SegmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    kind: str = "rules"
    rules: list[Any] = Field(default_factory=list, description=segment_rules.RULES_DESCRIPTION)
    match: str = "all"
    contact_ids: list[Id] = Field(default_factory=list)


class SegmentUpdate(BaseModel):
    """Only the fields sent are changed; `contact_ids` replaces a static segment's members."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    kind: str | None = None
    rules: list[Any] | None = Field(default=None, description=segment_rules.RULES_DESCRIPTION)
    match: str | None = None
    contact_ids: list[Id] | None = None


def create_segment(*, session: Session, data: SegmentCreate) -> Segment:
    name = _clean_name(data.name)
    _ensure_name_free(session, name, segment_id=None)
    kind, rules, match, contact_ids = _check_definition(
        session, kind=data.kind, rules=data.rules, match=data.match, contact_ids=data.contact_ids
    )
    segment = Segment(name=name, kind=kind, rules=rules, match=match)
    segment_mirror.request_sync(segment)
    session.add(segment)
    session.flush()
    _set_members(session, id_of(segment), contact_ids)
    session.commit()
    return segment


def get_segment(*, session: Session, segment_id: int) -> Segment:
    return get_row(session, Segment, segment_id, "Segment")


def list_segments(
    *, session: Session, cursor: str | None = None, limit: int = 100, search: str | None = None
) -> Page[Segment]:
    """Segments in id order, keyset-paginated."""
    query = select(Segment)
    if search and search.strip():
        query = query.where(col(Segment.name).icontains(search.strip(), autoescape=True))
    return page_of(session, query, id_column=col(Segment.id), cursor=cursor, limit=limit)


def update_segment(*, session: Session, segment_id: int, data: SegmentUpdate) -> Segment:
    segment = get_segment(session=session, segment_id=segment_id)
    sent = data.model_fields_set
    for key in sent:
        if getattr(data, key) is None:
            raise _invalid(key, f"{key} cannot be null.")
    # A field sent is never None here (refused above), so "sent" reads as "not None" below.
    name = segment.name
    if data.name is not None:
        name = _clean_name(data.name)
        _ensure_name_free(session, name, segment_id=segment.id)
    kind = data.kind if data.kind is not None else segment.kind
    contact_ids = data.contact_ids if data.contact_ids is not None else []
    if kind == "static":
        rules = data.rules if data.rules is not None else []
        replace_members = "contact_ids" in sent or segment.kind != "static"
    else:
        rules = data.rules if data.rules is not None else segment.rules
        replace_members = segment.kind == "static"  # becoming a rules segment drops the list
    kind, rules, match, contact_ids = _check_definition(
        session,
        kind=kind,
        rules=rules,
        match=data.match if data.match is not None else segment.match,
        contact_ids=contact_ids,
    )
    segment.name, segment.kind, segment.rules, segment.match = name, kind, rules, match
    segment.updated_at = utcnow()
    segment_mirror.request_sync(segment, now=segment.updated_at)
    session.add(segment)
    if replace_members:
        session.execute(delete(SegmentContact).where(col(SegmentContact.segment_id) == segment.id))
        _set_members(session, id_of(segment), contact_ids)
    session.commit()
    return segment


def delete_segment(*, session: Session, segment_id: int) -> None:
    """Delete a segment. Draft campaigns using it lose their segment; any other campaign keeps it
    as a record of who it went to, so the delete is refused while one exists."""
    segment = get_segment(session=session, segment_id=segment_id)
    users: list[str] = []
    for model in (EmailCampaign, SmsCampaign):
        query = select(col(model.name)).where(
            col(model.segment_id) == segment.id, col(model.status) != CampaignStatus.DRAFT
        )
        users += session.exec(query.limit(5)).all()
    if users:
        names = ", ".join(repr(name) for name in users)
        raise Conflict(
            f"Segment {segment.name!r} is used by campaigns that are not drafts ({names}); it cannot be deleted."
        )
    for model in (EmailCampaign, SmsCampaign):
        session.execute(
            update(model).where(col(model.segment_id) == segment.id).values(segment_id=None, updated_at=utcnow())
        )
    session.execute(delete(SegmentContact).where(col(SegmentContact.segment_id) == segment.id))
    segment_mirror.record_deletion(session, segment)
    session.delete(segment)
    session.commit()


def count_segment(*, session: Session, segment_id: int) -> int:
    """How many contacts the segment holds right now (before suppressions and opt-outs)."""
    segment = get_segment(session=session, segment_id=segment_id)
    return segment_rules.count_contacts(session=session, segment=segment)


def preview_count(*, session: Session, rules: list[Any], match: str = "all") -> int:
    """The count a rule set would have, without saving it: the live preview while editing."""
    segment_rules.validate_rules(rules, match, session=session)
    draft = Segment(name="preview", kind="rules", rules=rules, match=match)
    return segment_rules.count_contacts(session=session, segment=draft)


def member_ids(*, session: Session, segment_ids: Iterable[int]) -> dict[int, list[int]]:
    """Static members per segment id, in one query."""
    return grouped(session, col(SegmentContact.segment_id), col(SegmentContact.contact_id), segment_ids)


# -- helpers ------------------------------------------------------------------------------------


def _check_definition(
    session: Session, *, kind: str, rules: list[Any], match: str, contact_ids: list[int]
) -> tuple[str, list[dict[str, Any]], str, list[int]]:
    """The segment's definition, checked: every problem is reported with its field."""
    if kind not in KINDS:
        raise _invalid("kind", f"Unknown segment kind {kind!r}: use 'rules' or 'static'.")
    if kind == "static":
        if rules:
            raise _invalid("rules", "A static segment has no rules: send contact_ids instead.")
        if match not in ("all", "any"):
            raise _invalid("match", "match must be 'all' or 'any'.")
        return kind, [], match, _existing_contacts(session, contact_ids)
    if contact_ids:
        raise _invalid("contact_ids", "A rules segment has no contact list: use kind 'static'.")
    segment_rules.validate_rules(rules, match, session=session)
    return kind, list(rules), match, []


def _existing_contacts(session: Session, contact_ids: list[int]) -> list[int]:
    wanted = list(dict.fromkeys(contact_ids))
    found: set[int] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        ids = session.exec(select(col(Contact.id)).where(col(Contact.id).in_(chunk)))
        found.update(id_ for id_ in ids if id_ is not None)
    missing = [cid for cid in wanted if cid not in found]
    if missing:
        shown = ", ".join(str(cid) for cid in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise _invalid("contact_ids", f"{len(missing)} contact(s) do not exist: {shown}.")
    return wanted


def _set_members(session: Session, segment_id: int, contact_ids: list[int]) -> None:
    rows = [{"segment_id": segment_id, "contact_id": cid} for cid in contact_ids]
    for start in range(0, len(rows), _IN_CHUNK):
        session.execute(insert(SegmentContact), rows[start : start + _IN_CHUNK])


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise _invalid("name", "A segment needs a name.")
    if len(cleaned) > 200:
        raise _invalid("name", "The name is longer than 200 characters.")
    check_single_line("name", cleaned)
    return cleaned


def _ensure_name_free(session: Session, name: str, *, segment_id: int | None) -> None:
    query = select(col(Segment.id)).where(func.lower(col(Segment.name)) == func.lower(name))  # one folding
    existing = session.exec(query).first()
    if existing is not None and existing != segment_id:
        message = f"A segment named {name!r} already exists."
        raise Conflict(message, details=[{"field": "name", "message": message}])


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": field, "message": message}])
