"""/api/v1/segments"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from campaign_dashboard import wiring
from campaign_dashboard.api.deps import PathId, Reader, SessionDep, Writer
from campaign_dashboard.models import Segment, id_of
from campaign_dashboard.services.audience import segment_rules
from campaign_dashboard.services.audience import segments as service
from campaign_dashboard.services.audience.segments import SegmentCreate, SegmentUpdate
from campaign_dashboard.services.pagination import MAX_LIMIT

router = APIRouter(prefix="/api/v1/segments", tags=["segments"])


class SegmentPublic(BaseModel):
    id: int
    name: str
    kind: str
    rules: list[dict[str, Any]]
    match: str
    contact_ids: list[int]
    created_at: datetime
    updated_at: datetime
    resend_segment_id: str | None = None  # its mirror in Resend, when segment mirroring is on
    resend_synced_at: datetime | None = None
    resend_sync_error: str | None = None

    @classmethod
    def of(cls, segment: Segment, contact_ids: list[int]) -> SegmentPublic:
        fields = segment.model_dump(include=set(cls.model_fields) - {"contact_ids"})
        return cls(**fields, contact_ids=contact_ids)


class SegmentsPublic(BaseModel):
    items: list[SegmentPublic]
    next_cursor: str | None


class CountPublic(BaseModel):
    count: int


class RulesPreview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Any] = Field(default_factory=list, description=segment_rules.RULES_DESCRIPTION)
    match: str = "all"


def _public(session, segment: Segment) -> SegmentPublic:
    segment_id = id_of(segment)
    members = service.member_ids(session=session, segment_ids=[segment_id])
    return SegmentPublic.of(segment, members[segment_id])


@router.get("", response_model=SegmentsPublic)
def list_segments(
    session: SessionDep,
    _: Reader,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    search: str | None = None,
) -> SegmentsPublic:
    page = service.list_segments(session=session, cursor=cursor, limit=limit, search=search)
    members = service.member_ids(session=session, segment_ids=[id_of(s) for s in page.items])
    items = [SegmentPublic.of(s, members[id_of(s)]) for s in page.items]
    return SegmentsPublic(items=items, next_cursor=page.next_cursor)


@router.post("", response_model=SegmentPublic, status_code=201)
def create_segment(body: SegmentCreate, session: SessionDep, _: Writer) -> SegmentPublic:
    segment = service.create_segment(session=session, data=body)
    _queue_mirror(id_of(segment))
    return _public(session, segment)


@router.post("/preview-count", response_model=CountPublic)
def preview_count(body: RulesPreview, session: SessionDep, _: Reader) -> CountPublic:
    """How many contacts a rule set would match, without saving it."""
    return CountPublic(count=service.preview_count(session=session, rules=body.rules, match=body.match))


@router.get("/{segment_id}", response_model=SegmentPublic)
def get_segment(segment_id: PathId, session: SessionDep, _: Reader) -> SegmentPublic:
    return _public(session, service.get_segment(session=session, segment_id=segment_id))


@router.patch("/{segment_id}", response_model=SegmentPublic)
def update_segment(segment_id: PathId, body: SegmentUpdate, session: SessionDep, _: Writer) -> SegmentPublic:
    segment = service.update_segment(session=session, segment_id=segment_id, data=body)
    _queue_mirror(id_of(segment))
    return _public(session, segment)


@router.delete("/{segment_id}", status_code=204)
def delete_segment(segment_id: PathId, session: SessionDep, _: Writer) -> Response:
    service.delete_segment(session=session, segment_id=segment_id)
    wiring.mirror_deletions_soon()
    return Response(status_code=204)


@router.get("/{segment_id}/count", response_model=CountPublic)
def count_segment(segment_id: PathId, session: SessionDep, _: Reader) -> CountPublic:
    return CountPublic(count=service.count_segment(session=session, segment_id=segment_id))


def _queue_mirror(segment_id: int) -> None:
    """Mirror the change to Resend now rather than at the next tick (when mirroring is on)."""
    wiring.mirror_segment_soon(segment_id)
