"""Read-only queries the pages need, returning plain rows ready to display.

Keyword-only functions taking a session, like the services. They stay here until a service owns
the same read (then the page calls the service instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from campaign_dashboard.models import (
    CampaignStatus,
    Contact,
    ContactTag,
    EmailCampaign,
    EmailSegment,
    EmailSegmentContact,
    EmailTemplate,
    SmsCampaign,
)

CAMPAIGN_TABLES = {"email": EmailCampaign, "sms": SmsCampaign}


@dataclass
class CampaignRow:
    id: int
    name: str
    status: str
    recipients: int
    sent: int
    delivered: int
    failed: int
    created_at: str
    scheduled_at: str


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


def list_campaigns(*, session: Session, channel: str, limit: int = 200) -> list[CampaignRow]:
    """Campaigns of one channel ("email" or "sms"), newest first, archived ones left out."""
    table = CAMPAIGN_TABLES[channel]
    rows = session.exec(
        select(table)
        .where(table.archived_at.is_(None))
        .order_by(table.created_at.desc(), table.id.desc())
        .limit(limit)
    ).all()
    return [
        CampaignRow(
            id=c.id,
            name=c.name,
            status=c.status,
            recipients=c.recipients,
            sent=c.sent,
            delivered=c.delivered,
            failed=c.failed,
            created_at=format_time(c.created_at),
            scheduled_at=format_time(c.scheduled_at),
        )
        for c in rows
    ]


def campaign_status_counts(*, session: Session) -> list[StatusCount]:
    """How many campaigns of each channel are in each status, in lifecycle order."""
    counts: dict[str, dict[str, int]] = {}
    for channel, table in CAMPAIGN_TABLES.items():
        result = session.exec(select(table.status, func.count()).group_by(table.status)).all()
        counts[channel] = {status: n for status, n in result}
    return [
        StatusCount(status=s.value, email=counts["email"].get(s, 0), sms=counts["sms"].get(s, 0))
        for s in CampaignStatus
    ]


def totals(*, session: Session) -> Totals:
    def count(model) -> int:
        return session.exec(select(func.count()).select_from(model)).one()

    sent = sum(
        session.exec(select(func.coalesce(func.sum(t.sent), 0))).one() for t in CAMPAIGN_TABLES.values()
    )
    return Totals(
        contacts=count(Contact),
        segments=count(EmailSegment),
        templates=count(EmailTemplate),
        email_campaigns=count(EmailCampaign),
        sms_campaigns=count(SmsCampaign),
        messages_sent=int(sent),
    )


def list_contacts(*, session: Session, limit: int = 100) -> list[ContactRow]:
    """The newest contacts with their tags."""
    contacts = session.exec(
        select(Contact).order_by(Contact.created_at.desc(), Contact.id.desc()).limit(limit)
    ).all()
    tags: dict[int, list[str]] = {}
    if contacts:
        pairs = session.exec(
            select(ContactTag.contact_id, ContactTag.tag)
            .where(ContactTag.contact_id.in_([c.id for c in contacts]))
            .order_by(ContactTag.tag)
        ).all()
        for contact_id, tag in pairs:
            tags.setdefault(contact_id, []).append(tag)
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
    """Segments with their rules; static ones with their member count."""
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
    templates = session.exec(select(EmailTemplate).order_by(EmailTemplate.name)).all()
    return [
        TemplateRow(id=t.id, name=t.name, subject=t.subject, updated_at=format_time(t.updated_at))
        for t in templates
    ]
