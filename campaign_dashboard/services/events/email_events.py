"""Apply one email event (delivered, opened, bounced, ...) to the database in one transaction.

Order of work, all in the caller's session and committed here:
1. the sent email, locked `FOR UPDATE` so events for the same message apply one at a time
   (on SQLite `BEGIN IMMEDIATE` already serialises writers) and "first open"/"first bounce"
   checks are exact;
2. for an open or click, whether a machine made it (machine_engagement; click_bursts for a click
   on another link of the message within seconds, which marks the earlier ones of the burst too);
   the event row, marked: its unique provider event id is the replay check (a replay, or a concurrent
   delivery of the same event, inserts nothing (ON CONFLICT DO NOTHING), rolls back and reports
   DUPLICATE);
3. the sent email's dates (a person's open or click also its human dates), counts and status, and
   the recipient status by precedence (one conditional UPDATE each, see `event_precedence`; the
   recipient only when the status moves);
4. suppressions and the contact's email status for hard bounces and complaints;
5. campaign counters, minute buckets and `last_activity_at` with atomic increments;
6. for a hard bounce or complaint, the reputation breaker's check (`breaker.check`), which may
   pause the campaign in this same transaction.
An event whose message id we never sent goes to the dead-letter table instead.

Round trips for a typical event: lock, insert, sent email, recipient (status moves only),
campaign, minute buckets, commit. Every statement is built once and reused (the webhook path runs
them for every event; building and compiling them per event cost more than executing them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Row, Update, bindparam, exists, select
from sqlmodel import Session

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import (
    Channel,
    EmailCampaignRecipient,
    EmailEvent,
    EmailStatus,
    RecipientStatus,
    SentEmail,
    table_of,
    utcnow,
)
from campaign_dashboard.services.audience import consent, opt_outs
from campaign_dashboard.services.audience.consent import ConsentSource
from campaign_dashboard.services.events import breaker, click_bursts, machine_engagement
from campaign_dashboard.services.events.counters import Tally, minute_of
from campaign_dashboard.services.events.dead_letters import Outcome, dead_letter, insert_once
from campaign_dashboard.services.events.precedence import outranks, statuses_below


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
    user_agent: str | None = None  # opens and clicks: who fetched (machine_engagement)
    ip_address: str | None = None
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

# A person's first open or click: (sent_emails column, campaign counter).
HUMAN: dict[str, tuple[str, str]] = {
    EmailEventType.OPENED: ("human_opened_at", "unique_human_opens"),
    EmailEventType.CLICKED: ("human_clicked_at", "unique_human_clicks"),
}

FAILURE_STATUSES = (RecipientStatus.BOUNCED, RecipientStatus.COMPLAINED, RecipientStatus.FAILED)
UNKNOWN_MESSAGE = "unknown provider message id"  # dead-letter reason; replayed when the message appears


def apply_email_event(*, session: Session, event: EmailEventIn, window: float | None = None) -> Outcome:
    """Store and apply `event`; commits. Replays return DUPLICATE, unknown messages DEAD_LETTER.
    `window`: the machine-engagement seconds (default: the setting)."""
    return apply_email_events(session=session, events=[event], window=window)[0]


def apply_email_events(
    *, session: Session, events: Sequence[EmailEventIn], window: float | None = None
) -> list[Outcome]:
    """Apply `events` in one transaction and commit once; the outcome of each, in order.

    Each event is applied as it would be alone (its sent email locked and re-read, so events of
    one message see each other), but the campaign counters and minute buckets they add are summed
    and written once at the end (`Tally`), then the reputation breaker looks at each campaign a
    hard bounce or complaint was counted for. Events are taken in the order of their message ids
    (stable: one message's events keep their order), so two batches lock sent emails in the same
    order. If anything raises, nothing of the batch is written."""
    tally = Tally()
    watched: dict[int, Counter[str]] = {}
    outcomes: dict[int, Outcome] = {}
    order = sorted(range(len(events)), key=lambda i: events[i].provider_message_id)
    for i in order:
        outcomes[i] = _stage(session=session, event=events[i], tally=tally, watched=watched, window=window)
    tally.write(session)
    for campaign_id, metrics in sorted(watched.items()):
        breaker.check(session=session, campaign_id=campaign_id, counted=metrics)
    session.commit()
    return [outcomes[i] for i in range(len(events))]


def _stage(
    *, session: Session, event: EmailEventIn, tally: Tally, watched: dict[int, Counter[str]], window: float | None
) -> Outcome:
    """Apply one event to its message, its recipient and the audience; add what it counts to
    `tally` (and to `watched` when the breaker must look). Writes nothing before the replay check,
    so a duplicate leaves the transaction as it was."""
    sent = lock_sent_email(session=session, provider_message_id=event.provider_message_id)
    if sent is None:
        return dead_letter(
            session=session,
            provider="resend",
            provider_event_id=event.provider_event_id,
            type=str(event.type),
            payload=event.payload,
            reason=f"{UNKNOWN_MESSAGE} {event.provider_message_id!r}",
            commit=False,
        )
    burst = (
        click_bursts.other_link_clicks(session=session, sent_id=sent.id, link=event.link, at=event.occurred_at)
        if event.type == EmailEventType.CLICKED
        else []
    )
    machine = _is_machine(event, sent=sent, burst=bool(burst), window=window)
    event_id = insert_event(session=session, sent=sent, event=event, machine=machine)
    if event_id is None:
        return Outcome.DUPLICATE
    now = utcnow()
    counters = _apply_to_message(session=session, sent=sent, event=event, event_id=event_id, now=now, machine=machine)
    metrics = {"delayed": 1} if event.type == EmailEventType.DELIVERY_DELAYED else counters
    if counters.get("bounced") and event.hard_bounce:  # the reputation breaker's count: soft ones pass
        metrics = {**counters, breaker.HARD_BOUNCED: 1}
    taken_back = click_bursts.mark_machine(session=session, sent=sent, ids=burst)
    tally.count_event(
        channel=Channel.EMAIL,
        campaign_id=sent.campaign_id,
        at=event.occurred_at,
        now=now,
        counters={**counters, taken_back.counter: -1} if taken_back else counters,
        metrics=metrics,
    )
    if taken_back and sent.campaign_id is not None:
        tally.bump_minute(
            channel=Channel.EMAIL,
            campaign_id=sent.campaign_id,
            minute=minute_of(taken_back.minute_of),
            metrics={taken_back.counter: -1},
        )
    if sent.campaign_id is not None and breaker.watches(metrics):
        watched.setdefault(sent.campaign_id, Counter()).update(metrics)
    return Outcome.APPLIED


def _is_machine(event: EmailEventIn, *, sent: Row, burst: bool, window: float | None) -> bool:
    """Whether a privacy proxy or link scanner made this open or click (machine_engagement)."""
    if event.type not in ENGAGEMENT:
        return False
    seconds = get_settings().machine_engagement_seconds if window is None else window
    seen = machine_engagement.Engagement(at=event.occurred_at, user_agent=event.user_agent, ip_address=event.ip_address)
    if event.type == EmailEventType.OPENED:
        return machine_engagement.is_machine_open(seen, delivered_at=sent.delivered_at, window=seconds)
    return machine_engagement.is_machine_click(seen, delivered_at=sent.delivered_at, window=seconds, in_burst=burst)


SENT = table_of(SentEmail)
EVENTS = table_of(EmailEvent)
RECIPIENTS = table_of(EmailCampaignRecipient)
# What the event path reads of a sent email, locked until commit. Built once: every webhook runs it.
LOCK_SENT = (
    select(
        SENT.c.id,
        SENT.c.campaign_id,
        SENT.c.recipient_id,
        SENT.c.contact_id,
        SENT.c.provider_message_id,
        SENT.c.to_address,
        SENT.c.status,
        SENT.c.delivered_at,
        SENT.c.first_opened_at,
        SENT.c.first_clicked_at,
        SENT.c.human_opened_at,
        SENT.c.human_clicked_at,
        SENT.c.last_engaged_at,
        SENT.c.last_clicked_at,
    )
    .where(SENT.c.provider_message_id == bindparam("message_id"))
    .with_for_update()
)
SEEN_BEFORE = select(
    exists().where(
        EVENTS.c.sent_email_id == bindparam("sent_id"),
        EVENTS.c.type.in_(bindparam("types", expanding=True)),
        EVENTS.c.id != bindparam("event_id"),
    )
)


def lock_sent_email(*, session: Session, provider_message_id: str) -> Row | None:
    """The sent email (the columns of `LOCK_SENT`), row-locked until commit so its events apply
    one at a time."""
    return session.execute(LOCK_SENT, {"message_id": provider_message_id}).first()


def insert_event(*, session: Session, sent: Row, event: EmailEventIn, machine: bool = False) -> int | None:
    """Insert the event row and return its id; None if this provider event id is already stored."""
    return insert_once(
        session=session,
        table=EVENTS,
        key="provider_event_id",
        values={
            "provider_event_id": event.provider_event_id,
            "type": str(event.type),
            "campaign_id": sent.campaign_id,
            "recipient_id": sent.recipient_id,
            "sent_email_id": sent.id,
            "provider_message_id": event.provider_message_id or None,
            "link": event.link,
            "detail": event.detail,
            "machine": machine,
            "payload": event.payload,
            "occurred_at": event.occurred_at,
            "received_at": utcnow(),
        },
    )


def seen_before(*, session: Session, sent: Row, types: tuple[str, ...], event_id: int) -> bool:
    """Whether this message already had an event of one of `types` besides `event_id`: exact
    while the sent email is locked, so "count once per message" holds under concurrency."""
    params = {"sent_id": sent.id, "types": [str(t) for t in types], "event_id": event_id}
    return bool(session.execute(SEEN_BEFORE, params).scalar())


def _apply_to_message(
    *, session: Session, sent: Row, event: EmailEventIn, event_id: int, now: datetime, machine: bool
) -> dict[str, int]:
    """Update the sent email, recipient and contact; return the campaign counters to add."""
    kind = event.type
    values: dict[str, Any] = {"updated_at": now}
    counters: dict[str, int] = {}
    increment: str | None = None

    if kind == EmailEventType.DELIVERED:
        if _keep_earliest(sent=sent, column="delivered_at", at=event.occurred_at, values=values):
            counters["delivered"] = 1
    elif kind in ENGAGEMENT:
        counter, unique_counter, increment, first_column = ENGAGEMENT[kind]
        counters[counter] = 1
        if _keep_earliest(sent=sent, column=first_column, at=event.occurred_at, values=values):
            counters[unique_counter] = 1
        if not machine:  # what a person did: the human counters and the behaviour segments' dates
            human_column, human_counter = HUMAN[kind]
            if _keep_earliest(sent=sent, column=human_column, at=event.occurred_at, values=values):
                counters[human_counter] = 1
            # The latest open or click, for "engaged in the last N days" segments (a click is an open too).
            _keep_latest(sent=sent, column="last_engaged_at", at=event.occurred_at, values=values)
            if kind == EmailEventType.CLICKED:
                _keep_latest(sent=sent, column="last_clicked_at", at=event.occurred_at, values=values)
    elif kind in ONCE_PER_MESSAGE:
        counter, same_kind = ONCE_PER_MESSAGE[kind]
        if not seen_before(session=session, sent=sent, types=same_kind, event_id=event_id):
            counters[counter] = 1
        _keep_audience_clean(session=session, sent=sent, event=event, now=now)

    new_status = STATUS_BY_TYPE.get(kind) or ""  # "": the event moves no status
    moves = bool(new_status) and outranks(new_status, sent.status)
    if moves:
        values["status"] = new_status
    session.execute(_sent_update(tuple(sorted(values)), increment), {"sent_id": sent.id, **values})
    # The recipient's status only ever moves with its sent email's (same events, same ladder),
    # so an event that leaves the locked sent email's status alone leaves the recipient alone too.
    if moves and sent.recipient_id is not None:
        set_recipient_status(
            session=session,
            recipient_id=sent.recipient_id,
            status=new_status,
            now=now,
            error=event.detail if new_status in FAILURE_STATUSES else None,
        )
    return counters


@lru_cache(maxsize=64)
def _sent_update(columns: tuple[str, ...], increment: str | None) -> Update:
    """`UPDATE sent_emails SET <columns> = :<column> [, <increment> = <increment> + 1]
    WHERE id = :sent_id`, built once per shape (the SET keys come from the bound parameters)."""
    statement = SENT.update().where(SENT.c.id == bindparam("sent_id"))
    if increment:
        statement = statement.values({increment: SENT.c[increment] + 1})
    return statement


def _keep_earliest(*, sent: Row, column: str, at: datetime, values: dict[str, Any]) -> bool:
    """Keep the earliest `at` in `column` (events arrive out of order); True on the first one."""
    current = getattr(sent, column)
    if current is None or at < current:
        values[column] = at
    return current is None


def _keep_latest(*, sent: Row, column: str, at: datetime, values: dict[str, Any]) -> None:
    current = getattr(sent, column)
    if current is None or at > current:
        values[column] = at


def set_recipient_status(
    *, session: Session, recipient_id: int, status: str, now: datetime, error: str | None = None
) -> bool:
    """Move the recipient up the precedence ladder in one conditional UPDATE."""
    params: dict[str, Any] = {
        "recipient_id": recipient_id,
        "status": status,
        "updated_at": now,
        "below": list(statuses_below(status)),
    }
    if error:
        params["last_error"] = error
    return session.exec(_recipient_update(bool(error)), params=params).rowcount == 1


@lru_cache(maxsize=2)
def _recipient_update(with_error: bool) -> Update:
    values: dict[str, BindParameter[Any]] = {"status": bindparam("status"), "updated_at": bindparam("updated_at")}
    if with_error:
        values["last_error"] = bindparam("last_error")
    return (
        RECIPIENTS.update()
        .where(
            RECIPIENTS.c.id == bindparam("recipient_id"), RECIPIENTS.c.status.in_(bindparam("below", expanding=True))
        )
        .values(values)
    )


def _keep_audience_clean(*, session: Session, sent: Row, event: EmailEventIn, now: datetime) -> None:
    """Hard bounces and complaints suppress the address; soft bounces never do."""
    if event.type == EmailEventType.BOUNCED and event.hard_bounce:
        reason, contact_status = opt_outs.HARD_BOUNCE, EmailStatus.BOUNCED
    elif event.type == EmailEventType.COMPLAINED:
        reason, contact_status = opt_outs.COMPLAINT, EmailStatus.COMPLAINED
    elif event.type == EmailEventType.SUPPRESSED:
        reason, contact_status = opt_outs.PROVIDER_SUPPRESSED, None
    else:
        return
    changed = contact_status is not None and opt_outs.set_email_status(
        session=session,
        contact_id=sent.contact_id,
        status=contact_status,
        replaces=opt_outs.EMAIL_STATUS_REPLACES[contact_status],
        now=now,
    )
    added = opt_outs.suppress(
        session=session,
        channel=Channel.EMAIL,
        address=sent.to_address,
        reason=reason,
        source=f"resend:{event.provider_event_id}",
    )
    kind, ledger_event = opt_outs.LEDGER_BY_REASON[reason]
    evidence = {"provider_event_id": event.provider_event_id, "message_id": event.provider_message_id}
    consent.record_change(
        session=session,
        channel=Channel.EMAIL,
        address=opt_outs.canonical_address(Channel.EMAIL, sent.to_address),
        event=ledger_event,
        source=ConsentSource(kind, detail=f"Resend email.{event.type}").with_evidence(**evidence),
        changed=[sent.contact_id] if changed else [],
        address_changed=added,
        at=event.occurred_at,
    )
