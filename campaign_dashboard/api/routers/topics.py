"""/api/v1/topics: the workspace's topics (a campaign targets one; contacts opt out of one)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from campaign_dashboard.api.deps import PathId, Reader, SessionDep, Writer
from campaign_dashboard.models import Topic
from campaign_dashboard.services.audience import topics as service

router = APIRouter(prefix="/api/v1/topics", tags=["topics"])

IN_USE: dict[int | str, dict[str, Any]] = {
    409: {"description": "Campaigns target the topic (the message names them), or the name is taken"}
}


class TopicPublic(BaseModel):
    id: int
    name: str
    description: str
    created_at: datetime
    opted_out: int = Field(description="Contacts opted out of the topic (counted once per channel)")


class TopicsPublic(BaseModel):
    items: list[TopicPublic]


class TopicCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=service.MAX_NAME, description="Unique (any case), one line")
    description: str = Field(
        default="", max_length=service.MAX_DESCRIPTION, description="Shown in the preference centre"
    )


class TopicUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=service.MAX_NAME)
    description: str | None = Field(default=None, max_length=service.MAX_DESCRIPTION)


def _public(topic: Topic, counts: dict[int, int]) -> TopicPublic:
    return TopicPublic(**topic.model_dump(), opted_out=counts.get(topic.id or 0, 0))


@router.get("", response_model=TopicsPublic)
def list_topics(session: SessionDep, _: Reader) -> TopicsPublic:
    """Every topic, by name (a workspace has at most 200)."""
    counts = service.opted_out_counts(session=session)
    return TopicsPublic(items=[_public(t, counts) for t in service.list_topics(session=session)])


@router.post("", response_model=TopicPublic, status_code=201, responses=IN_USE)
def create_topic(body: TopicCreate, session: SessionDep, _: Writer) -> TopicPublic:
    topic = service.create_topic(session=session, name=body.name, description=body.description)
    return _public(topic, {})


@router.get("/{topic_id}", response_model=TopicPublic)
def get_topic(topic_id: PathId, session: SessionDep, _: Reader) -> TopicPublic:
    return _public(service.get_topic(session=session, topic_id=topic_id), service.opted_out_counts(session=session))


@router.patch("/{topic_id}", response_model=TopicPublic, responses=IN_USE)
def update_topic(topic_id: PathId, body: TopicUpdate, session: SessionDep, _: Writer) -> TopicPublic:
    """Rename a topic or change its description (the ledger keeps the name each change was made under)."""
    topic = service.update_topic(session=session, topic_id=topic_id, name=body.name, description=body.description)
    return _public(topic, service.opted_out_counts(session=session))


@router.delete("/{topic_id}", status_code=204, responses=IN_USE)
def delete_topic(topic_id: PathId, session: SessionDep, _: Writer) -> Response:
    """Delete a topic no campaign targets (409 naming the campaigns otherwise)."""
    service.delete_topic(session=session, topic_id=topic_id)
    return Response(status_code=204)
