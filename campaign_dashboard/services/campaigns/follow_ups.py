"""Follow-ups: a new draft with a finished campaign's content, to one part of its recipients
(those who did not open, did not click, bounced softly, whose send failed, ...).

The part is frozen when the follow-up is created: one INSERT ... SELECT writes its contacts into a
new static segment, which the draft targets, so the set is exact at any size and later events do
not move it. Only contacts the channel may reach then are frozen (subscribed, not suppressed, one
per address), so the count shown is the number that will be sent; starting the draft snapshots
that segment like any other, again without anyone suppressed or opted out by then.

"Resend to failed" is the `failed` follow-up: recipients given up on after retryable provider
errors (`throttle.GAVE_UP`), and those a failed campaign never reached; never a recipient the
provider refused for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, insert, literal, not_, or_, select
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session, col

from campaign_dashboard.models import (
    CampaignStatus,
    Channel,
    Contact,
    RecipientStatus,
    Segment,
    SegmentContact,
    table_of,
    utcnow,
)
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.audience import behaviour_rules, segment_mirror
from campaign_dashboard.services.audience.contact_sets import among
from campaign_dashboard.services.campaigns import lifecycle
from campaign_dashboard.services.campaigns.content import content_fields, normalise, validate
from campaign_dashboard.services.campaigns.records import commit, get
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.errors import Conflict, ValidationFailed
from campaign_dashboard.services.sending.audience_snapshot import sendable
from campaign_dashboard.services.sending.throttle import GAVE_UP

# Who a follow-up can target, per channel, in the order offered, with the words shown for each.
AUDIENCES: dict[Channel, dict[str, str]] = {
    Channel.EMAIL: {
        "not_opened": "Did not open",
        "not_clicked": "Did not click",
        "soft_bounced": "Bounced softly",
        "failed": "Send failed",
    },
    Channel.SMS: {
        "not_delivered": "Not delivered",
        "failed": "Send failed",
        "not_replied": "Did not reply",
    },
}
HARD_BOUNCE = "hard bounce"  # how a hard bounce's detail starts (events.adapters.resend)
MAX_NAME = 200


@dataclass(frozen=True)
class FollowUpAudience:
    """One part of a campaign's recipients a follow-up can target, and how many it would reach now."""

    key: str
    label: str
    count: int


def audiences(*, session: Session, channel: str, campaign_id: int) -> list[FollowUpAudience]:
    """Each audience of `AUDIENCES[channel]` with its count (one COUNT query each); Conflict when
    the campaign cannot be followed up (not finished, or it never had recipients)."""
    channel = Channel(channel)
    source = get(session=session, channel=channel, campaign_id=campaign_id)
    ensure_followable(source)
    counts = [
        FollowUpAudience(key, label, _count(session, _frozen_rows(channel, source, key)))
        for key, label in AUDIENCES[channel].items()
    ]
    session.rollback()  # end the read: on SQLite it would hold the lock
    return counts


def can_follow_up(campaign: CampaignFields) -> bool:
    """Finished (sent, failed or cancelled) with recipients: the page offers its follow-ups."""
    return lifecycle.is_terminal(campaign.status) and campaign.recipients > 0


def ensure_followable(campaign: CampaignFields) -> None:
    if not lifecycle.is_terminal(campaign.status):
        raise Conflict(
            f"The campaign is {campaign.status}: a follow-up can be made once it has finished "
            "(sent, failed or cancelled)."
        )
    if campaign.recipients <= 0:
        raise Conflict("The campaign never had recipients, so there is nobody to follow up with.")


def create_follow_up(
    *,
    session: Session,
    channel: str,
    campaign_id: int,
    audience: str,
    subject: str | None = None,
    name: str | None = None,
) -> CampaignFields:
    """A new draft with the campaign's content (and `subject`, `name` if given) targeting the
    `audience` part of its recipients, frozen now into a new static segment. Conflict when that
    part is empty (nothing is created then)."""
    channel = Channel(channel)
    source = get(session=session, channel=channel, campaign_id=campaign_id)
    if audience not in AUDIENCES[channel]:
        allowed = ", ".join(AUDIENCES[channel])
        raise ValidationFailed(
            f"Unknown audience {audience!r}: use one of {allowed}.",
            details=[{"field": "audience", "message": f"use one of {allowed}"}],
        )
    if subject is not None and channel is Channel.SMS:
        raise ValidationFailed(
            "An SMS has no subject.", details=[{"field": "subject", "message": "SMS campaigns have no subject"}]
        )
    ensure_followable(source)
    label = AUDIENCES[channel][audience]
    values: dict[str, Any] = {f: getattr(source, f) for f in content_fields(channel)}
    values["name"] = name if name is not None else _default_name(source.name, label)
    if subject is not None:
        values["subject"] = subject
    values = normalise(session, channel, values)
    try:
        segment = Segment(name=_segment_name(session, channel, source, label), kind="static")
        segment_mirror.request_sync(segment)
        session.add(segment)
        session.flush()
        values["segment_id"] = segment.id
        validate(session, channel, values)  # the new name and subject, before the rows are written
        frozen = _frozen_rows(channel, source, audience)
        members = select(literal(segment.id).label("segment_id"), frozen.subquery().c.contact_id)
        session.connection().execute(insert(SegmentContact).from_select(["segment_id", "contact_id"], members))
        if not _count_members(session, segment.id):
            raise Conflict(
                f"Nobody is left to follow up with: no recipient of “{source.name}” is in "
                f"“{label.lower()}” and can still be sent to."
            )
        draft = campaign_model(channel)(**values, follow_up_of=source.id, follow_up_audience=audience)
        session.add(draft)
        commit(session, draft)
    except BaseException:
        session.rollback()
        raise
    return draft


def _frozen_rows(channel: Channel, source: CampaignFields, audience: str) -> Select:
    """(contact_id, address) of the contacts the follow-up would reach now (not those who left its
    topic since): one per address."""
    contact_ids: Select = select(col(Contact.id).label("id")).where(_condition(channel, source, audience))
    return sendable(channel, contact_ids, topic_id=source.topic_id)


def _condition(channel: Channel, source: CampaignFields, audience: str) -> ColumnElement[bool]:
    """The WHERE on `contacts` for `audience` of `source`; the behaviour rules' SQL where they have it."""
    campaign_id = int(source.id or 0)
    if audience in ("not_opened", "not_clicked"):
        return behaviour_rules.condition(behaviour_rules.EMAIL_CAMPAIGN, audience, campaign_id)
    if audience == "not_replied":
        return behaviour_rules.condition(behaviour_rules.SMS_CAMPAIGN, audience, campaign_id)
    ledger = table_of(recipient_model(channel)).c
    of_campaign = ledger.campaign_id == campaign_id
    if audience == "soft_bounced":
        bounced = ledger.status == RecipientStatus.BOUNCED.value
        soft = or_(ledger.last_error.is_(None), not_(ledger.last_error.startswith(HARD_BOUNCE)))
        return among(ledger.contact_id, of_campaign, bounced, soft)
    if audience == "not_delivered":  # it left us, and no delivery receipt came back
        left = ledger.provider_message_id.is_not(None)
        undelivered = ledger.status.in_([RecipientStatus.SENT.value, RecipientStatus.FAILED.value])
        return among(ledger.contact_id, of_campaign, left, undelivered)
    gave_up = and_(ledger.status == RecipientStatus.FAILED.value, ledger.last_error.startswith(GAVE_UP))
    if source.status == CampaignStatus.FAILED:  # the campaign stopped before reaching these
        gave_up = or_(gave_up, ledger.status == RecipientStatus.PENDING.value)
    return among(ledger.contact_id, of_campaign, gave_up)


def _count(session: Session, rows: Select) -> int:
    return session.scalar(select(func.count()).select_from(rows.subquery())) or 0


def _count_members(session: Session, segment_id: int | None) -> int:
    query = select(func.count()).select_from(SegmentContact).where(col(SegmentContact.segment_id) == segment_id)
    return session.scalar(query) or 0


def _default_name(source_name: str, label: str) -> str:
    suffix = f" — follow-up: {label.lower()}"
    return source_name[: MAX_NAME - len(suffix)] + suffix


def _segment_name(session: Session, channel: Channel, source: CampaignFields, label: str) -> str:
    """A free segment name saying what the frozen list is: '<campaign> — did not open (<when>)'."""
    when = utcnow().strftime("%Y-%m-%d %H:%M:%S UTC")
    kind = "email" if channel is Channel.EMAIL else "SMS"
    suffix = f" — {label.lower()} ({kind} #{source.id}, {when})"
    base = source.name[: MAX_NAME - len(suffix) - 4] + suffix
    taken: set[str] = set(
        session.scalars(
            select(func.lower(col(Segment.name))).where(func.lower(col(Segment.name)).startswith(base.lower()))
        )
    )
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base} #{n}"
    return name
