"""Email and SMS campaigns with one set of functions: `channel` picks the tables.

Every status change goes through `lifecycle.next_status` and is written with a compare-and-set
UPDATE (`... WHERE id = :id AND status = :old`), so of two concurrent requests only one wins and
the other gets IllegalTransition. Content edits use the same guard on the editable statuses, so an
edit cannot slip in after sending started.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete as sql_delete
from sqlalchemy import exists, func
from sqlalchemy import update as sql_update
from sqlmodel import Session, select

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import (
    UNSENT_STATUSES,
    CampaignStatus,
    Channel,
    EmailTemplate,
    RecipientStatus,
    Segment,
    utcnow,
)
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.audience.suppressions import normalize_email, normalize_phone
from campaign_dashboard.services.campaigns import lifecycle, rendering, sms_text
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from campaign_dashboard.services.limits import (
    MAX_HTML_CHARS,
    MAX_TEXT_CHARS,
    check_id,
    check_length,
    check_single_line,
)
from campaign_dashboard.services.pagination import Page, page_of
from campaign_dashboard.services.sending.audience_snapshot import count_audience, snapshot_audience
from campaign_dashboard.services.stats.numbers import progress

COMMON_FIELDS = ("name", "segment_id", "scheduled_at", "timezone")
CONTENT_FIELDS = {
    Channel.EMAIL: ("subject", "from_email", "reply_to", "template_id", "html", "text"),
    Channel.SMS: ("body", "from_number"),
}
SCHEDULE_FIELDS = ("scheduled_at", "timezone")
# Recipient states that mean a message left us: a campaign with any of them cannot be deleted.
SENT_RECIPIENT_STATUSES = tuple(
    s.value for s in RecipientStatus if s not in (*UNSENT_STATUSES, RecipientStatus.FAILED, RecipientStatus.CANCELLED)
)
ARCHIVABLE = frozenset({CampaignStatus.DRAFT, *lifecycle.TERMINAL})
MAX_SMS_BODY = 1600  # Twilio's limit for one message (10 segments of 160)


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
        query = query.where(Model.status.in_(statuses))
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


def _filtered(query, Model, *, search: str | None, archived: bool | None):
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
        query = query.where(Recipient.status.in_(statuses))
    return page_of(session, query, id_column=Recipient.id, cursor=cursor, limit=limit)


def to_dict(
    campaign: CampaignFields, channel: str, *, session: Session | None = None, price_per_segment: Decimal | None = None
) -> dict[str, Any]:
    """The public shape of a campaign: its fields, counters, progress and the actions it allows.

    SMS campaigns also show how the body travels (encoding, characters, segments per message) and
    what sending it costs: audience x segments x `price_per_segment` (SMS_PRICE_PER_SEGMENT by
    default). With a `session`, a campaign not started yet is estimated for its segment's current
    audience; without one (lists) its estimate is null until the audience is snapshotted.
    """
    channel = Channel(channel)
    data = campaign.model_dump(exclude={"text"} if channel is Channel.SMS else set())
    data["channel"] = channel.value
    data["allowed_actions"] = lifecycle.allowed_actions(campaign.status)
    data["can_edit"] = CampaignStatus(campaign.status) in lifecycle.EDITABLE
    data["can_delete"] = CampaignStatus(campaign.status) in lifecycle.DELETABLE and not campaign.sent
    data["can_archive"] = CampaignStatus(campaign.status) in ARCHIVABLE and campaign.archived_at is None
    data["progress"] = progress(campaign)
    if channel is Channel.SMS:
        info = sms_preview(campaign.body)
        data["encoding"] = info.encoding
        data["segments_per_message"] = info.segments
        data["characters"] = info.units
        data.update(
            sms_cost(
                info, audience=sms_audience(session=session, campaign=campaign), price_per_segment=price_per_segment
            )
        )
    return data


def sms_audience(*, session: Session | None, campaign: CampaignFields) -> int | None:
    """Who an SMS campaign costs for: its recipients once sending started; before that, who its
    segment would give right now (needs `session`); None when unknown (no segment, no session)."""
    if CampaignStatus(campaign.status) not in lifecycle.EDITABLE:
        return campaign.recipients
    if session is None or campaign.segment_id is None:
        return None
    if session.get(Segment, campaign.segment_id) is None:
        return None
    return count_audience(session=session, channel=Channel.SMS, segment_id=campaign.segment_id)


def sms_cost(
    info: sms_text.SmsInfo, *, audience: int | None, price_per_segment: Decimal | None = None
) -> dict[str, Any]:
    """The cost preview of an SMS campaign whose body is `info`, sent to `audience` numbers."""
    settings = get_settings()
    price = settings.sms_price_per_segment if price_per_segment is None else price_per_segment
    cost = None
    if audience is not None:
        cost = sms_text.segments_cost(segments=info.segments, recipients=audience, price_per_segment=price)
    return {
        "audience": audience,
        "price_per_segment": price,
        "currency": settings.sms_price_currency,
        "estimated_cost": cost,
    }


def sms_preview(body: str) -> sms_text.SmsInfo:
    """Segments of the body as a sample contact would get it (raw source if it does not render)."""
    try:
        text = rendering.preview_sms(body=body or "")
    except rendering.RenderError:
        text = body or ""
    return sms_text.analyze(text)


# --- create / edit / delete ----------------------------------------------------------------------


def create(*, session: Session, channel: str, data: Mapping[str, Any]) -> CampaignFields:
    """A new draft; with `scheduled_at` (aware, or naive plus an IANA `timezone`) it is created
    already scheduled."""
    channel = Channel(channel)
    values = _check_fields(channel, data)
    when = values.pop("scheduled_at", None)
    zone = values.pop("timezone", None)
    values = _normalise(session, channel, values)
    _validate(session, channel, values)
    campaign = campaign_model(channel)(**values)
    if when is not None:
        campaign.scheduled_at = resolve_schedule(when, zone)
        campaign.status = lifecycle.next_status(CampaignStatus.DRAFT, Action.SCHEDULE)
    session.add(campaign)
    _commit(session, campaign)
    return campaign


def update(*, session: Session, channel: str, campaign_id: int, changes: Mapping[str, Any]) -> CampaignFields:
    """Edit a draft or scheduled campaign; Conflict once sending has started (content is frozen).

    `scheduled_at` may be moved here; it does not change the status (use the schedule and
    unschedule actions for that).
    """
    channel = Channel(channel)
    Model = campaign_model(channel)
    campaign = get(session=session, channel=channel, campaign_id=campaign_id)
    _ensure_editable(campaign)
    changes = _check_fields(channel, changes)
    zone = changes.pop("timezone", None)
    values = {f: getattr(campaign, f) for f in _content_fields(channel)}
    values.update(changes)
    values.pop("scheduled_at", None)
    values = _normalise(session, channel, values)
    _validate(session, channel, values)
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
        .where(Model.id == campaign_id, Model.status.in_([s.value for s in lifecycle.EDITABLE]))
        .values(**to_write)
    )
    if result.rowcount != 1:
        session.rollback()
        current = _reread(session, channel, campaign_id)
        session.rollback()
        _ensure_editable(current)
        raise Conflict("The campaign changed while it was being edited; reload and try again.")
    _commit(session, campaign)
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
        select(exists().where(Recipient.campaign_id == campaign_id, Recipient.status.in_(SENT_RECIPIENT_STATUSES)))
    ).one()
    if campaign.sent or has_sent:
        raise Conflict("This campaign has already sent messages, so it cannot be deleted; archive it instead.")
    result = session.exec(
        sql_delete(Model).where(
            Model.id == campaign_id,
            Model.status.in_([s.value for s in lifecycle.DELETABLE]),
            Model.sent == 0,
        )
    )
    if result.rowcount != 1:
        session.rollback()
        raise Conflict("The campaign changed while it was being deleted; reload and try again.")
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
        .where(Model.id == campaign_id, Model.status.in_([s.value for s in ARCHIVABLE]))
        .values(archived_at=now, updated_at=now)
    )
    if result.rowcount != 1:
        session.rollback()
        raise Conflict("The campaign changed while it was being archived; reload and try again.")
    _commit(session, campaign)
    return campaign


def duplicate(*, session: Session, channel: str, campaign_id: int) -> CampaignFields:
    """A new draft with the same content and audience, no schedule and no history."""
    channel = Channel(channel)
    source = get(session=session, channel=channel, campaign_id=campaign_id)
    values = {f: getattr(source, f) for f in _content_fields(channel)}
    values["name"] = f"Copy of {source.name}"[:200]
    copy = campaign_model(channel)(**values)
    session.add(copy)
    _commit(session, copy)
    return copy


# --- lifecycle -----------------------------------------------------------------------------------


def apply_action(
    *,
    session: Session,
    channel: str,
    campaign_id: int,
    action: str,
    scheduled_at: datetime | str | None = None,
    timezone: str | None = None,
    reason: str | None = None,
) -> CampaignFields:
    """Move the campaign by `action` (see lifecycle.TRANSITIONS) and commit.

    schedule needs a future time (argument, or the one stored on the campaign); start snapshots
    the audience into the recipient ledger; cancel marks every pending recipient cancelled;
    complete/fail (the worker's actions) record when and, for fail, why.
    """
    channel = Channel(channel)
    Model = campaign_model(channel)
    campaign = get(session=session, channel=channel, campaign_id=campaign_id)
    old = campaign.status
    new = lifecycle.next_status(old, action)
    action = Action(action)
    now = utcnow()
    values: dict[str, Any] = {"status": new.value, "updated_at": now, "last_activity_at": now}
    if action is Action.SCHEDULE:
        when = scheduled_at if scheduled_at is not None else campaign.scheduled_at
        if when is None:
            raise ValidationFailed(
                "Scheduling needs a time (scheduled_at).",
                details=[{"field": "scheduled_at", "message": "required"}],
            )
        values["scheduled_at"] = resolve_schedule(when, timezone)
    elif action is Action.UNSCHEDULE:
        values["scheduled_at"] = None
    elif action is Action.START:
        _validate(session, channel, {f: getattr(campaign, f) for f in _content_fields(channel)})
        values["started_at"] = now
        values["status_reason"] = None
    elif action in (Action.COMPLETE, Action.FAIL, Action.CANCEL):
        values["completed_at"] = now
        if reason is not None or action is Action.FAIL:
            values["status_reason"] = reason
    elif action is Action.PAUSE:  # by a person (no reason) or the worker (a used-up quota: why)
        values["status_reason"] = reason
    elif action is Action.RESUME:
        values["status_reason"] = None
    try:
        result = session.exec(sql_update(Model).where(Model.id == campaign_id, Model.status == old).values(**values))
        if result.rowcount != 1:
            session.rollback()
            current = _reread(session, channel, campaign_id)
            allowed = ", ".join(lifecycle.allowed_actions(current.status)) or "none"
            raise IllegalTransition(
                f"Cannot {action.value}: the campaign was {old} but another request just made it "
                f"{current.status}. Allowed now: {allowed}."
            )
        session.refresh(campaign)
        if action is Action.START:
            snapshot_audience(session=session, channel=channel, campaign=campaign)
        elif action is Action.CANCEL:
            _cancel_unsent(session, channel, campaign_id, now)
        _commit(session, campaign)
    except BaseException:
        session.rollback()
        raise
    return campaign


def _cancel_unsent(session: Session, channel: Channel, campaign_id: int, now: datetime) -> int:
    Model, Recipient = campaign_model(channel), recipient_model(channel)
    result = session.exec(
        sql_update(Recipient)
        # Only rows no worker holds: a worker marks its own claimed rows cancelled at its next
        # chunk, and rows of a dead worker are released by lease recovery. That way a message
        # already on its way is recorded as sent, not as cancelled.
        .where(Recipient.campaign_id == campaign_id, Recipient.status == RecipientStatus.PENDING)
        .values(status=RecipientStatus.CANCELLED.value, lease_expires_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    cancelled = result.rowcount
    if cancelled:
        session.exec(
            sql_update(Model)
            .where(Model.id == campaign_id)
            .values(processed=Model.processed + cancelled)
            .execution_options(synchronize_session=False)
        )
    return cancelled


def resolve_schedule(value: datetime | str, timezone: str | None = None) -> datetime:
    """A future UTC time from an ISO string or datetime with an offset, or a naive one plus an
    IANA `timezone` name (e.g. "Europe/Paris")."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationFailed(
                f"scheduled_at {value!r} is not an ISO 8601 date and time.",
                details=[{"field": "scheduled_at", "message": "not an ISO 8601 datetime"}],
            ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        if not timezone:
            raise ValidationFailed(
                "scheduled_at needs a UTC offset (e.g. 2030-01-31T09:00:00+01:00) or a timezone.",
                details=[{"field": "scheduled_at", "message": "needs an offset or a timezone"}],
            )
        try:
            value = value.replace(tzinfo=ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(
                f"Unknown timezone {timezone!r}; use an IANA name such as Europe/Paris.",
                details=[{"field": "timezone", "message": "unknown timezone"}],
            ) from None
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):  # 9999-12-31T23:59-14:00, 0001-01-01T00:00 in Asia/Tokyo
        raise ValidationFailed(
            "scheduled_at is outside the range of dates that can be stored.",
            details=[{"field": "scheduled_at", "message": "out of range"}],
        ) from None
    if value <= utcnow():
        raise ValidationFailed(
            "scheduled_at must be in the future.",
            details=[{"field": "scheduled_at", "message": "must be in the future"}],
        )
    return value


def checked_content(*, session: Session, channel: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The channel's content fields of `values` (name, segment and schedule aside), normalised and
    validated exactly as `create` does: what a test send renders before the campaign is saved."""
    channel = Channel(channel)
    content = _normalise(session, channel, {f: values.get(f) for f in CONTENT_FIELDS[channel]})
    if channel is Channel.EMAIL:
        _validate_email(session, content)
    else:
        _validate_sms(content)
    return content


# --- validation ----------------------------------------------------------------------------------


def _content_fields(channel: Channel) -> tuple[str, ...]:
    return ("name", "segment_id", *CONTENT_FIELDS[channel])


def _check_fields(channel: Channel, data: Mapping[str, Any]) -> dict[str, Any]:
    allowed = set(COMMON_FIELDS) | set(CONTENT_FIELDS[channel])
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed(
            f"Unknown field(s) for an {channel.value} campaign: {', '.join(unknown)}.",
            details=[{"field": f, "message": "unknown field"} for f in unknown],
        )
    return dict(data)


def _normalise(session: Session, channel: Channel, values: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(values.items()):
        if isinstance(value, str) and key not in ("html", "text", "body"):
            values[key] = value.strip()
        if key in ("reply_to", "from_number", "html", "text", "template_id") and values[key] in ("", None):
            values[key] = None
    if channel is Channel.EMAIL and values.get("template_id") and not values.get("subject"):
        template = session.get(EmailTemplate, values["template_id"])
        if template is not None:
            values["subject"] = template.subject
    return values


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", details=[{"field": field, "message": message}])


def _validate(session: Session, channel: Channel, values: Mapping[str, Any]) -> None:
    name = values.get("name") or ""
    if not name:
        raise _fail("name", "a campaign needs a name")
    if len(name) > 200:
        raise _fail("name", "at most 200 characters")
    check_single_line("name", name)
    segment_id = values.get("segment_id")
    if segment_id is None:
        raise _fail("segment_id", "choose a segment to send to")
    check_id("segment_id", segment_id)
    if session.get(Segment, segment_id) is None:
        raise _fail("segment_id", f"segment {segment_id} does not exist")
    if channel is Channel.EMAIL:
        _validate_email(session, values)
    else:
        _validate_sms(values)


def _validate_email(session: Session, values: Mapping[str, Any]) -> None:
    subject = values.get("subject") or ""
    if not subject:
        raise _fail("subject", "an email needs a subject")
    if len(subject) > 500:
        raise _fail("subject", "at most 500 characters")
    check_single_line("subject", subject)  # a header: CR/LF would start another one
    rendering.validate_template(subject, field="subject")
    from_email = values.get("from_email") or ""
    if not from_email:
        raise _fail("from_email", "an email needs a sender address")
    _check_address("from_email", from_email)
    if values.get("reply_to"):
        _check_address("reply_to", values["reply_to"])
    template_id, html = values.get("template_id"), values.get("html")
    if bool(template_id) == bool(html):
        raise ValidationFailed(
            "Give exactly one of template_id or html.",
            details=[{"field": "template_id", "message": "give exactly one of template_id or html"}],
        )
    if template_id:
        check_id("template_id", template_id)
    check_length("html", html, MAX_HTML_CHARS)
    check_length("text", values.get("text"), MAX_TEXT_CHARS)
    if template_id and session.get(EmailTemplate, template_id) is None:
        raise _fail("template_id", f"template {template_id} does not exist")
    rendering.validate_template(html, field="html", html=True)
    rendering.validate_template(values.get("text"), field="text")


def _check_address(field: str, value: str) -> None:
    """A bare address or `Name <address>`, on one line (it becomes a header)."""
    check_single_line(field, value)
    _display, address = parseaddr(value)
    if not address or (value != address and "<" not in value):
        raise _fail(field, f"{value!r} is not an email address")
    normalize_email(address, field=field)


def _validate_sms(values: Mapping[str, Any]) -> None:
    body = values.get("body") or ""
    if not body.strip():
        raise _fail("body", "an SMS needs a body")
    if len(body) > MAX_SMS_BODY:
        raise _fail("body", f"at most {MAX_SMS_BODY} characters")
    rendering.validate_template(body, field="body", sms=True)
    sender = values.get("from_number")
    if sender:
        check_single_line("from_number", sender)
        _check_sender(sender)


def _check_sender(sender: str) -> None:
    """An E.164 number, a Messaging Service SID (MG...), or an alphanumeric sender id."""
    if sender.startswith("+"):
        normalize_phone(sender, field="from_number")
        return
    if sender.startswith("MG") and len(sender) == 34 and sender[2:].isalnum():
        return
    if 1 <= len(sender) <= 11 and sender.replace(" ", "").isalnum() and any(c.isalpha() for c in sender):
        return
    raise _fail("from_number", f"{sender!r} is not an E.164 number, MG... service id or alphanumeric sender")


# --- helpers -------------------------------------------------------------------------------------


def _ensure_editable(campaign: CampaignFields) -> None:
    if CampaignStatus(campaign.status) not in lifecycle.EDITABLE:
        raise Conflict(
            f"The campaign is {campaign.status}: its content is frozen once sending starts. "
            "Duplicate it to make a changed copy."
        )


def _reread(session: Session, channel: str, campaign_id: int) -> CampaignFields:
    campaign = session.get(campaign_model(channel), campaign_id, populate_existing=True)
    if campaign is None:
        raise NotFound(f"{Channel(channel).value.capitalize()} campaign {campaign_id} does not exist.")
    return campaign


def _parse_statuses(value: str | Iterable[str] | None, enum: type, field: str) -> list[str]:
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


__all__ = [
    "Page",
    "apply_action",
    "archive",
    "checked_content",
    "create",
    "delete",
    "duplicate",
    "get",
    "list_campaigns",
    "recipients_page",
    "resolve_schedule",
    "status_counts",
    "to_dict",
    "update",
]


def _commit(session: Session, row: object) -> None:
    """Reload `row` inside the transaction, then commit: leaves no transaction open afterwards
    (on SQLite even a read holds the write lock until it ends)."""
    session.flush()
    session.refresh(row)
    session.commit()
