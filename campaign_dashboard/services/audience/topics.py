"""Topics of a workspace ("Newsletter", "Offers"): list, create, rename, delete while unused.

A campaign may target one topic; contacts opted out of it are left out of its audience
(`sending.audience_snapshot`). The contacts' own choices are made in the preference centre
(`events.preference_centre`); this module owns the topic rows and reads the choices.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func
from sqlmodel import Session, col, select

from campaign_dashboard.models import EmailCampaign, SmsCampaign, Topic, TopicOptOut
from campaign_dashboard.services.errors import Conflict, ValidationFailed
from campaign_dashboard.services.limits import check_id, check_single_line
from campaign_dashboard.services.rows import get_row

MAX_NAME = 100
MAX_DESCRIPTION = 500
MAX_TOPICS = 200  # a preference centre lists every topic: a page, not a catalogue


class LeftTopic(NamedTuple):
    """A topic the contact left on one channel, and since when."""

    topic: str
    channel: str
    since: datetime


def list_topics(*, session: Session) -> list[Topic]:
    """Every topic, by name."""
    return list(session.exec(select(Topic).order_by(func.lower(col(Topic.name)), col(Topic.id))).all())


def get_topic(*, session: Session, topic_id: int) -> Topic:
    return get_row(session, Topic, topic_id, "Topic")


def create_topic(*, session: Session, name: str, description: str = "") -> Topic:
    """A new topic; a name already taken (any case) is a Conflict naming `name`."""
    name, description = _checked(name, description)
    if (session.scalar(select(func.count()).select_from(Topic)) or 0) >= MAX_TOPICS:
        raise _invalid("name", f"A workspace has at most {MAX_TOPICS} topics.")
    _ensure_unique(session, name, None)
    topic = Topic(name=name, description=description)
    session.add(topic)
    session.commit()
    session.refresh(topic)
    return topic


def update_topic(*, session: Session, topic_id: int, name: str | None = None, description: str | None = None) -> Topic:
    """Rename a topic or change its description. The ledger keeps the name a change was made under."""
    topic = get_topic(session=session, topic_id=topic_id)
    new_name, new_description = _checked(
        topic.name if name is None else name, topic.description if description is None else description
    )
    _ensure_unique(session, new_name, topic.id)
    topic.name, topic.description = new_name, new_description
    session.add(topic)
    session.commit()
    session.refresh(topic)
    return topic


def delete_topic(*, session: Session, topic_id: int) -> None:
    """Delete a topic no campaign targets (Conflict naming the campaigns otherwise); the contacts'
    opt-outs of it go with it, their ledger entries stay."""
    topic = get_topic(session=session, topic_id=topic_id)
    users = campaigns_using(session=session, topic_id=topic_id)
    if users:
        shown = ", ".join(repr(name) for name in users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
        message = f"Topic {topic.name!r} is used by campaigns ({shown}); change their topic first."
        raise Conflict(message, details=[{"field": "topic_id", "message": message}])
    session.delete(topic)
    session.commit()


def campaigns_using(*, session: Session, topic_id: int) -> list[str]:
    """The names of the campaigns (either channel, archived too) that target the topic."""
    names: list[str] = []
    for model in (EmailCampaign, SmsCampaign):
        names += session.exec(select(col(model.name)).where(col(model.topic_id) == topic_id).order_by(col(model.id)))
    return names


def opted_out_counts(*, session: Session) -> dict[int, int]:
    """How many contacts opted out of each topic (either channel counted once per channel)."""
    rows = session.exec(select(col(TopicOptOut.topic_id), func.count()).group_by(col(TopicOptOut.topic_id))).all()
    return {topic_id: count for topic_id, count in rows}


def topics_left(*, session: Session, contact_id: int) -> list[LeftTopic]:
    """The topics the contact left, by name then channel (the contact page, the GDPR export)."""
    rows = session.exec(
        select(col(Topic.name), col(TopicOptOut.channel), col(TopicOptOut.created_at))
        .join(Topic, col(Topic.id) == col(TopicOptOut.topic_id))
        .where(col(TopicOptOut.contact_id) == contact_id)
        .order_by(col(Topic.name), col(TopicOptOut.channel))
    ).all()
    return [LeftTopic(name, channel, since) for name, channel, since in rows]


def check_topic_id(*, session: Session, value: object) -> None:
    """A campaign's `topic_id`: None, or an existing topic (422 naming `topic_id`)."""
    if value is None:
        return
    check_id("topic_id", value)
    if session.get(Topic, value) is None:
        raise _invalid("topic_id", f"topic_id: topic {value} does not exist")


def _checked(name: str, description: str) -> tuple[str, str]:
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        raise _invalid("name", "A topic needs a name.")
    if len(name) > MAX_NAME:
        raise _invalid("name", f"A topic's name has at most {MAX_NAME} characters.")
    check_single_line("name", name)
    if len(description) > MAX_DESCRIPTION:
        raise _invalid("description", f"A topic's description has at most {MAX_DESCRIPTION} characters.")
    check_single_line("description", description)
    return name, description


def _ensure_unique(session: Session, name: str, topic_id: int | None) -> None:
    query = select(col(Topic.id)).where(func.lower(col(Topic.name)) == name.lower())
    if topic_id is not None:
        query = query.where(col(Topic.id) != topic_id)
    if session.exec(query).first() is not None:
        message = f"A topic named {name!r} already exists."
        raise Conflict(message, details=[{"field": "name", "message": message}])


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": field, "message": message}])
