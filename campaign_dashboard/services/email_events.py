"""Apply one email event (delivered, opened, bounced, ...) to the database in one transaction.

Order of work, all in the caller's session and committed here:
1. the sent email, locked `FOR UPDATE` so events for the same message apply one at a time
   (on SQLite `BEGIN IMMEDIATE` already serialises writers) and "first open"/"first bounce"
   checks are exact;
2. the event row: its unique provider event id is the replay check (a replay, or a concurrent
   delivery of the same event, fails the INSERT, rolls back and reports DUPLICATE);
3. the sent email's dates, counts and status, and the recipient status by precedence (one
   conditional UPDATE each, see `event_precedence`; the recipient only when the status moves);
4. suppressions and the contact's email status for hard bounces and complaints;
5. campaign counters, minute buckets and `last_activity_at` with atomic increments.
An event whose message id we never sent goes to the dead-letter table instead.

Round trips for a typical event: lock, insert, sent email, recipient (status moves only),
campaign, minute buckets, commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import exists, update
from sqlmodel import Session, select

from campaign_dashboard.models import (
    Channel,
    EmailCampaignRecipient,
    EmailEvent,
    EmailStatus,
    RecipientStatus,
    SentEmail,
    utcnow,
)
from campaign_dashboard.services import opt_outs
from campaign_dashboard.services.dead_letters import Outcome, dead_letter, store_once
from campaign_dashboard.services.event_counters import count_event
from campaign_dashboard.services.event_precedence import outranks, statuses_below


class EmailEventType(StrEnum):
    """The `email_events.type` words."""

    SENT = "sent"
    DELIVERED = "delivered"
    DELIVERY_DELAYED = "delivery_delayed"
    OPENED = "opened"
    CLICKED = "clicked"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    REPLY = "reply"
    UNSUBSCRIBE = "unsubscribe"


@dataclass(frozen=True)
class EmailEventIn:
    """A provider event, normalised by the webhook adapter."""

    provider_event_id: str
    type: EmailEventType
    provider_message_id: str
    occurred_at: datetime
    link: str | None = None
    hard_bounce: bool = False
    detail: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


# The recipient status each event type moves towards (None: leaves it alone).
STATUS_BY_TYPE: dict[str, str | None] = {
    EmailEventType.SENT: RecipientStatus.SENT,
    EmailEventType.DELIVERED: RecipientStatus.DELIVERED,
    EmailEventType.DELIVERY_DELAYED: None,
    EmailEventType.OPENED: RecipientStatus.OPENED,
    EmailEventType.CLICKED: RecipientStatus.CLICKED,
    EmailEventType.BOUNCED: RecipientStatus.BOUNCED,
    EmailEventType.COMPLAINED: RecipientStatus.COMPLAINED,
    EmailEventType.FAILED: RecipientStatus.FAILED,
    EmailEventType.SUPPRESSED: RecipientStatus.FAILED,
}

# Event types counted once per message, with the campaign counter they feed. Failures and
# provider suppressions are one kind: a message fails at most once.
ONCE_PER_MESSAGE: dict[str, tuple[str, tuple[str, ...]]] = {
    EmailEventType.BOUNCED: ("bounced", (EmailEventType.BOUNCED,)),
    EmailEventType.COMPLAINED: ("complained", (EmailEventType.COMPLAINED,)),
    EmailEventType.FAILED: ("failed", (EmailEventType.FAILED, EmailEventType.SUPPRESSED)),
    EmailEventType.SUPPRESSED: ("failed", (EmailEventType.FAILED, EmailEventType.SUPPRESSED)),
}

# Engagement counted every time and once per message:
# (counter, unique counter, sent_emails count column, sent_emails "first" column).
ENGAGEMENT: dict[str, tuple[str, str, str, str]] = {
    EmailEventType.OPENED: ("opened", "unique_opens", "open_count", "first_opened_at"),
    EmailEventType.CLICKED: ("clicked", "unique_clicks", "click_count", "first_clicked_at"),
}

FAILURE_STATUSES = (RecipientStatus.BOUNCED, RecipientStatus.COMPLAINED, RecipientStatus.FAILED)


def apply_email_event(*, session: Session, event: EmailEventIn) -> Outcome:
    """Store and apply `event`; commits. Replays return DUPLICATE, unknown messages DEAD_LETTER."""
    sent = lock_sent_email(session=session, provider_message_id=event.provider_message_id)
    if sent is None:
        session.rollback()
        return dead_letter(
            session=session, provider="resend", provider_event_id=event.provider_event_id,
            type=str(event.type), payload=event.payload,
            reason=f"unknown provider message id {event.provider_message_id!r}",
        )
    row = insert_event(session=session, sent=sent, event=event)
    if row is None:
        return Outcome.DUPLICATE
    now = utcnow()
    counters = _apply_to_message(session=session, sent=sent, event=event, row=row, now=now)
    metrics = {"delayed": 1} if event.type == EmailEventType.DELIVERY_DELAYED else counters
    count_event(
        session=session, channel=Channel.EMAIL, campaign_id=sent.campaign_id,
        at=event.occurred_at, now=now, counters=counters, metrics=metrics,
    )
    session.commit()
    return Outcome.APPLIED


def lock_sent_email(*, session: Session, provider_message_id: str) -> SentEmail | None:
    """The sent email, row-locked until commit so its events apply one at a time."""
    statement = (
        select(SentEmail)
        .where(SentEmail.provider_message_id == provider_message_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).first()


def insert_event(*, session: Session, sent: SentEmail, event: EmailEventIn) -> EmailEvent | None:
    """Insert the event row; None (and the transaction rolled back) if it already exists."""
    row = EmailEvent(
        provider_event_id=event.provider_event_id,
        type=str(event.type),
        campaign_id=sent.campaign_id,
        recipient_id=sent.recipient_id,
        sent_email_id=sent.id,
        provider_message_id=event.provider_message_id or None,
        link=event.link,
        detail=event.detail,
        payload=event.payload,
        occurred_at=event.occurred_at,
        received_at=utcnow(),
    )
    return row if store_once(session=session, row=row) else None


def seen_before(*, session: Session, sent: SentEmail, types: tuple[str, ...], row: EmailEvent) -> bool:
    """Whether this message already had an event of one of `types` besides `row`: exact while
    the sent email is locked, so "count once per message" holds under concurrency."""
    statement = select(
        exists().where(
            EmailEvent.sent_email_id == sent.id,
            EmailEvent.type.in_([str(t) for t in types]),
            EmailEvent.id != row.id,
        )
    )
    return bool(session.exec(statement).one())


def _apply_to_message(
    *, session: Session, sent: SentEmail, event: EmailEventIn, row: EmailEvent, now: datetime
) -> dict[str, int]:
    """Update the sent email, recipient and contact; return the campaign counters to add."""
    kind = event.type
    values: dict[str, Any] = {"updated_at": now}
    counters: dict[str, int] = {}

    if kind == EmailEventType.DELIVERED:
        if _keep_earliest(sent=sent, column="delivered_at", at=event.occurred_at, values=values):
            counters["delivered"] = 1
    elif kind in ENGAGEMENT:
        counter, unique_counter, count_column, first_column = ENGAGEMENT[kind]
        counters[counter] = 1
        values[count_column] = getattr(SentEmail, count_column) + 1
        if _keep_earliest(sent=sent, column=first_column, at=event.occurred_at, values=values):
            counters[unique_counter] = 1
    elif kind in ONCE_PER_MESSAGE:
        counter, same_kind = ONCE_PER_MESSAGE[kind]
        if not seen_before(session=session, sent=sent, types=same_kind, row=row):
            counters[counter] = 1
        _keep_audience_clean(session=session, sent=sent, event=event, now=now)

    new_status = STATUS_BY_TYPE.get(kind)
    moves = bool(new_status) and outranks(new_status, sent.status)
    if moves:
        values["status"] = new_status
    session.execute(
        update(SentEmail).where(SentEmail.id == sent.id).values(**values)
        .execution_options(synchronize_session=False)
    )
    # The recipient's status only ever moves with its sent email's (same events, same ladder),
    # so an event that leaves the locked sent email's status alone leaves the recipient alone too.
    if moves and sent.recipient_id is not None:
        set_recipient_status(
            session=session, recipient_id=sent.recipient_id, status=new_status, now=now,
            error=event.detail if new_status in FAILURE_STATUSES else None,
        )
    return counters


def _keep_earliest(*, sent: SentEmail, column: str, at: datetime, values: dict[str, Any]) -> bool:
    """Keep the earliest `at` in `column` (events arrive out of order); True on the first one."""
    current = getattr(sent, column)
    if current is None or at < current:
        values[column] = at
    return current is None


def set_recipient_status(
    *, session: Session, recipient_id: int, status: str, now: datetime, error: str | None = None
) -> bool:
    """Move the recipient up the precedence ladder in one conditional UPDATE."""
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if error:
        values["last_error"] = error
    statement = (
        update(EmailCampaignRecipient)
        .where(
            EmailCampaignRecipient.id == recipient_id,
            EmailCampaignRecipient.status.in_(statuses_below(status)),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1


def _keep_audience_clean(*, session: Session, sent: SentEmail, event: EmailEventIn, now: datetime) -> None:
    """Hard bounces and complaints suppress the address; soft bounces never do."""
    if event.type == EmailEventType.BOUNCED and event.hard_bounce:
        reason, contact_status = opt_outs.HARD_BOUNCE, EmailStatus.BOUNCED
    elif event.type == EmailEventType.COMPLAINED:
        reason, contact_status = opt_outs.COMPLAINT, EmailStatus.COMPLAINED
    elif event.type == EmailEventType.SUPPRESSED:
        reason, contact_status = opt_outs.PROVIDER_SUPPRESSED, None
    else:
        return
    if contact_status is not None:
        opt_outs.set_email_status(
            session=session, contact_id=sent.contact_id, status=contact_status,
            replaces=opt_outs.EMAIL_STATUS_REPLACES[contact_status], now=now,
        )
    opt_outs.suppress(
        session=session, channel=Channel.EMAIL, address=sent.to_address, reason=reason,
        source=f"resend:{event.provider_event_id}",
    )
