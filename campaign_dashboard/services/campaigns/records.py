"""Campaign records of both channels: read, list, create, edit, delete, archive and duplicate.

`channel` picks the tables. Content edits are written with a compare-and-set UPDATE on the
editable statuses (`... WHERE id = :id AND status IN (...)`), so an edit cannot slip in after
sending started; status changes are `actions.apply_action`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import exists, func
from sqlalchemy import update as sql_update
from sqlmodel import Session, col, select

from campaign_dashboard.models import UNSENT_STATUSES, AbTest, CampaignStatus, Channel, RecipientStatus, id_of, utcnow
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.campaigns import lifecycle
from campaign_dashboard.services.campaigns.content import (
    check_fields,
    content_fields,
    normalise,
    resolve_schedule,
    validate,
)
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.errors import Conflict, NotFound, ValidationFailed
from campaign_dashboard.services.pagination import Page, page_of

# Recipient states that mean a message left us: a campaign with any of them cannot be deleted.
SENT_RECIPIENT_STATUSES = tuple(
    s.value for s in RecipientStatus if s not in (*UNSENT_STATUSES, RecipientStatus.FAILED, RecipientStatus.CANCELLED)
)
ARCHIVABLE = frozenset({CampaignStatus.DRAFT, *lifecycle.TERMINAL})


# --- reads ---------------------------------------------------------------------------------------


def get(*, session: Session, channel: str, campaign_id: int) -> CampaignFields:
    campaign = session.get(campaign_model(channel), campaign_id)
    if campaign is None:
        raise NotFound(f"{Channel(channel).value.capitalize()} campaign {campaign_id} does not exist.")
    return campaign


def list_campaigns(
    *,
    session: Session,
    channel: str,
    status: str | Iterable[str] | None = None,
    search: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    archived: bool | None = False,
    newest_first: bool = True,
) -> Page:
    """Newest first (or oldest first), `limit` per page; `next_cursor` continues after the last item.

    `status` is one status, a comma-separated list or a list; `archived=False` hides archived
    campaigns, `True` shows only them, `None` shows both.
    """
    Model = campaign_model(channel)
    query = _filtered(select(Model), Model, search=search, archived=archived)
    statuses = _parse_statuses(status, CampaignStatus, "status")
    if statuses:
        query = query.where(col(Model.status).in_(statuses))
    return page_of(session, query, id_column=Model.id, cursor=cursor, limit=limit, newest_first=newest_first)


def status_counts(
    *, session: Session, channel: str, search: str | None = None, archived: bool | None = False
) -> dict[str, int]:
    """How many campaigns `list_campaigns` would find in each status with the same search, so a
    status tab's count matches what it lists. Every status is present, in lifecycle order."""
    Model = campaign_model(channel)
    query = _filtered(select(Model.status, func.count()), Model, search=search, archived=archived)
    found = dict(session.exec(query.group_by(Model.status)).all())
    return {status.value: found.get(status.value, 0) for status in CampaignStatus}


def _filtered(query, Model, *, search: str | None, archived: bool | None):  # noqa: N803 - a model class
    """`query` narrowed to names containing `search` (any case) and to (non-)archived campaigns."""
    if search and search.strip():
        query = query.where(func.lower(Model.name).contains(search.strip().lower(), autoescape=True))
    if archived is not None:
        query = query.where(Model.archived_at.is_not(None) if archived else Model.archived_at.is_(None))
    return query


def recipients_page(
    *,
    session: Session,
    channel: str,
    campaign_id: int,
    status: str | Iterable[str] | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """The campaign's ledger rows in send order (by id), filtered by recipient status."""
    get(session=session, channel=channel, campaign_id=campaign_id)
    Recipient = recipient_model(channel)
    query = select(Recipient).where(Recipient.campaign_id == campaign_id)
    statuses = _parse_statuses(status, RecipientStatus, "status")
    if statuses:
        query = query.where(col(Recipient.status).in_(statuses))
    return page_of(session, query, id_column=Recipient.id, cursor=cursor, limit=limit)


# --- create / edit / delete ----------------------------------------------------------------------


def create(*, session: Session, channel: str, data: Mapping[str, Any]) -> CampaignFields:
    """A new draft; with `scheduled_at` (aware, or naive plus an IANA `timezone`) it is created
    already scheduled."""
    channel = Channel(channel)
    values = check_fields(channel, data)
    when = values.pop("scheduled_at", None)
    zone = values.pop("timezone", None)
    values = normalise(session, channel, values)
    validate(session, channel, values)
    campaign = campaign_model(channel)(**values)
    if when is not None:
        campaign.scheduled_at = resolve_schedule(when, zone)
        campaign.status = lifecycle.next_status(CampaignStatus.DRAFT, Action.SCHEDULE)
    session.add(campaign)
    commit(session, campaign)
    return campaign


def update(*, session: Session, channel: str, campaign_id: int, changes: Mapping[str, Any]) -> CampaignFields:
    """Edit a draft or scheduled campaign; Conflict once sending has started (content is frozen).

    `scheduled_at` may be moved here; it does not change the status (use the schedule and
    unschedule actions for that).
    """
    channel = Channel(channel)
    Model = campaign_model(channel)
    campaign = get(session=session, channel=channel, campaign_id=campaign_id)
    ensure_editable(campaign)
    changes = check_fields(channel, changes)
    zone = changes.pop("timezone", None)
    values = {f: getattr(campaign, f) for f in content_fields(channel)}
    values.update(changes)
    values.pop("scheduled_at", None)
    values = normalise(session, channel, values)
    validate(session, channel, values)
    to_write = {k: v for k, v in values.items() if k in changes or k in ("subject",)}
    if "scheduled_at" in changes:
        when = changes["scheduled_at"]
        if when is None and campaign.status == CampaignStatus.SCHEDULED:
            raise ValidationFailed(
                "A scheduled campaign needs a time; use unschedule to turn it back into a draft.",
                details=[{"field": "scheduled_at", "message": "required while scheduled"}],
            )
        to_write["scheduled_at"] = None if when is None else resolve_schedule(when, zone)
    to_write["updated_at"] = utcnow()
    result = session.exec(
        sql_update(Model)
        .where(col(Model.id) == campaign_id, col(Model.status).in_([s.value for s in lifecycle.EDITABLE]))
        .values(**to_write)
    )
    if result.rowcount != 1:
        session.rollback()
        current = reread(session, channel, campaign_id)
        session.rollback()
        ensure_editable(current)
        raise Conflict("The campaign changed while it was being edited; reload and try again.")
    commit(session, campaign)
    return campaign


def delete(*, session: Session, channel: str, campaign_id: int) -> None:
    """Delete a campaign that never sent anything; one that has sent can only be archived."""
    Model = campaign_model(channel)
    Recipient = recipient_model(channel)
    campaign = get(session=session, channel=channel, campaign_id=campaign_id)
    status = CampaignStatus(campaign.status)
    if status not in lifecycle.DELETABLE:
        hint = "archive it instead" if lifecycle.is_terminal(status) else "cancel it first"
        raise Conflict(f"A campaign that is {status.value} cannot be deleted; {hint}.")
    has_sent = session.exec(
        select(
            exists().where(
                col(Recipient.campaign_id) == campaign_id, col(Recipient.status).in_(SENT_RECIPIENT_STATUSES)
            )
        )
    ).one()
    if campaign.sent or has_sent:
        raise Conflict("This campaign has already sent messages, so it cannot be deleted; archive it instead.")
    result = session.exec(
        sql_delete(Model).where(
            col(Model.id) == campaign_id,
            col(Model.status).in_([s.value for s in lifecycle.DELETABLE]),
            col(Model.sent) == 0,
        )
    )
    if result.rowcount != 1:
        session.rollback()
        raise Conflict("The campaign changed while it was being deleted; reload and try again.")
    session.exec(sql_delete(AbTest).where(*_ab_test_of(channel, campaign_id)))  # its A/B test goes with it
    session.commit()
    session.expunge(campaign)


def archive(*, session: Session, channel: str, campaign_id: int) -> CampaignFields:
    """Hide a finished (or draft) campaign from the default list, keeping its history."""
    Model = campaign_model(channel)
    campaign = get(session=session, channel=channel, campaign_id=campaign_id)
    if CampaignStatus(campaign.status) not in ARCHIVABLE:
        raise Conflict(
            f"A campaign that is {campaign.status} cannot be archived; "
            "only drafts and finished campaigns (sent, failed, cancelled) can."
        )
    if campaign.archived_at is not None:
        return campaign
    now = utcnow()
    result = session.exec(
        sql_update(Model)
        .where(col(Model.id) == campaign_id, col(Model.status).in_([s.value for s in ARCHIVABLE]))
        .values(archived_at=now, updated_at=now)
    )
    if result.rowcount != 1:
        session.rollback()
        raise Conflict("The campaign changed while it was being archived; reload and try again.")
    commit(session, campaign)
    return campaign


def duplicate(*, session: Session, channel: str, campaign_id: int) -> CampaignFields:
    """A new draft with the same content and audience, no schedule and no history."""
    channel = Channel(channel)
    source = get(session=session, channel=channel, campaign_id=campaign_id)
    values = {f: getattr(source, f) for f in content_fields(channel)}
    values["name"] = f"Copy of {source.name}"[:200]
    copy = campaign_model(channel)(**values)
    session.add(copy)
    session.flush()
    test = session.exec(select(AbTest).where(*_ab_test_of(channel, campaign_id))).first()
    if test is not None:  # the same A/B test, not decided
        settings = test.model_dump(include={"variants", "test_share", "metric", "wait_minutes"})
        session.add(AbTest(**settings, channel=channel.value, campaign_id=id_of(copy)))
    commit(session, copy)
    return copy


def _ab_test_of(channel: str, campaign_id: int) -> tuple[Any, ...]:
    return (col(AbTest.channel) == Channel(channel).value, col(AbTest.campaign_id) == campaign_id)


# --- helpers -------------------------------------------------------------------------------------


def ensure_editable(campaign: CampaignFields) -> None:
    if CampaignStatus(campaign.status) not in lifecycle.EDITABLE:
        raise Conflict(
            f"The campaign is {campaign.status}: its content is frozen once sending starts. "
            "Duplicate it to make a changed copy."
        )


def reread(session: Session, channel: str, campaign_id: int) -> CampaignFields:
    campaign = session.get(campaign_model(channel), campaign_id, populate_existing=True)
    if campaign is None:
        raise NotFound(f"{Channel(channel).value.capitalize()} campaign {campaign_id} does not exist.")
    return campaign


def _parse_statuses(value: str | Iterable[str] | None, enum: type[Enum], field: str) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    items = [str(v).strip() for v in items if str(v).strip()]
    valid = {e.value for e in enum}
    bad = [v for v in items if v not in valid]
    if bad:
        raise ValidationFailed(
            f"Unknown {field} {', '.join(map(repr, bad))}; use one of {', '.join(sorted(valid))}.",
            details=[{"field": field, "message": "unknown status"}],
        )
    return items


def commit(session: Session, row: object) -> None:
    """Reload `row` inside the transaction, then commit: leaves no transaction open afterwards
    (on SQLite even a read holds the write lock until it ends)."""
    session.flush()
    session.refresh(row)
    session.commit()
