"""Read-only queries the pages need, returning plain rows ready to display.

Keyword-only functions taking a session, like the services. Where a service already has the read
(tags per contact) these call it and only shape its rows for display; the rest
are reads no service offers: counts for the overview, the newest contacts, segments with their
member counts and templates, both in name order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from campaign_dashboard.models import (
    CampaignStatus,
    Contact,
    EmailSegment,
    EmailSegmentContact,
    EmailTemplate,
)
from campaign_dashboard.services.channels import CAMPAIGN_MODELS
from campaign_dashboard.services.contacts import tags_of

@dataclass
class StatusCount:
    status: str
    email: int
    sms: int


@dataclass
class Totals:
    contacts: int = 0
    segments: int = 0
    templates: int = 0
    email_campaigns: int = 0
    sms_campaigns: int = 0
    messages_sent: int = 0


@dataclass
class ContactRow:
    id: int
    name: str
    email: str
    phone: str
    timezone: str
    tags: str
    email_status: str
    sms_status: str


@dataclass
class SegmentRow:
    id: int
    name: str
    kind: str
    rules: str
    members: int


@dataclass
class TemplateRow:
    id: int
    name: str
    subject: str
    updated_at: str


def format_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def overview(*, session: Session) -> tuple[Totals, list[StatusCount]]:
    """The overview's totals and its campaigns per status and channel, in lifecycle order.

    Three queries: per channel one GROUP BY status gives the status counts, the number of
    campaigns and the messages sent; one more counts contacts, segments and templates.
    """
    by_status: dict[str, dict[str, int]] = {}
    sent = 0
    for channel, table in CAMPAIGN_MODELS.items():
        channel = channel.value
        rows = session.exec(select(table.status, func.count(), func.sum(table.sent)).group_by(table.status)).all()
        by_status[channel] = {status: n for status, n, _ in rows}
        sent += sum(channel_sent for _, _, channel_sent in rows)
    contacts, segments, templates = session.exec(
        select(_count(Contact), _count(EmailSegment), _count(EmailTemplate))
    ).one()
    totals = Totals(
        contacts=contacts,
        segments=segments,
        templates=templates,
        email_campaigns=sum(by_status["email"].values()),
        sms_campaigns=sum(by_status["sms"].values()),
        messages_sent=int(sent),
    )
    counts = [
        StatusCount(status=s.value, email=by_status["email"].get(s, 0), sms=by_status["sms"].get(s, 0))
        for s in CampaignStatus
    ]
    return totals, counts


def _count(model):
    return select(func.count()).select_from(model).scalar_subquery()


def list_contacts(*, session: Session, limit: int = 100) -> list[ContactRow]:
    """The newest contacts with their tags."""
    contacts = session.exec(
        select(Contact).order_by(Contact.created_at.desc(), Contact.id.desc()).limit(limit)
    ).all()
    tags = tags_of(session=session, contact_ids=[c.id for c in contacts])
    return [
        ContactRow(
            id=c.id,
            name=f"{c.first_name} {c.last_name}".strip(),
            email=c.email or "",
            phone=c.phone or "",
            timezone=c.timezone,
            tags=", ".join(tags.get(c.id, [])),
            email_status=c.email_status,
            sms_status=c.sms_status,
        )
        for c in contacts
    ]


def count_contacts(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(Contact)).one()


def describe_rules(rules: list[dict], match: str) -> str:
    """A one-line reading of a rule set: `tag is vip AND attributes.plan is pro`."""
    joiner = " AND " if match == "all" else " OR "
    return joiner.join(f"{r.get('field')} {r.get('op')} {r.get('value')}" for r in rules)


def list_segments(*, session: Session) -> list[SegmentRow]:
    """Segments by name with their rules; static ones with their member count."""
    members = dict(
        session.exec(
            select(EmailSegmentContact.segment_id, func.count()).group_by(EmailSegmentContact.segment_id)
        ).all()
    )
    segments = session.exec(select(EmailSegment).order_by(EmailSegment.name)).all()
    return [
        SegmentRow(
            id=s.id,
            name=s.name,
            kind=s.kind,
            rules=describe_rules(s.rules, s.match) if s.kind == "rules" else "static list",
            members=members.get(s.id, 0),
        )
        for s in segments
    ]


def list_templates(*, session: Session) -> list[TemplateRow]:
    """Templates by name."""
    templates = session.exec(select(EmailTemplate).order_by(EmailTemplate.name)).all()
    return [
        TemplateRow(id=t.id, name=t.name, subject=t.subject, updated_at=format_time(t.updated_at))
        for t in templates
    ]
