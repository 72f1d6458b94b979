"""The overview's counts: campaigns per status and channel, and how many of everything there is."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from campaign_dashboard.models import (
    CampaignStatus,
    Contact,
    EmailTemplate,
    Segment,
)
from campaign_dashboard.services.channels import CAMPAIGN_MODELS


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


def overview_counts(*, session: Session) -> tuple[Totals, list[StatusCount]]:
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
    contacts, segments, templates = session.exec(select(_count(Contact), _count(Segment), _count(EmailTemplate))).one()
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
