"""Apply one SMS status callback (queued, sent, delivered, undelivered, failed) in one transaction.

Same shape as `email_events`: the recipient row locked `FOR UPDATE` so callbacks for one message
apply one at a time, then the event row (event id = MessageSid + ":" + status, unique, so a
retried callback fails the INSERT and is a no-op), status by precedence, counters and minute
buckets by atomic increments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, update
from sqlmodel import Session, or_, select

from campaign_dashboard.models import (
    Channel,
    RecipientStatus,
    SmsCampaignRecipient,
    SmsEvent,
    utcnow,
)
from campaign_dashboard.services.events.counters import count_event
from campaign_dashboard.services.events.dead_letters import Outcome, dead_letter, store_once
from campaign_dashboard.services.events.precedence import statuses_below

# Twilio MessageStatus -> (recipient status it moves towards, campaign counter fed once).
# Every value of the spec's `message_enum_status` is accepted (twilio/twilio-oai,
# spec/json/twilio_api_v2010.json at d50069b44ea8cd23141385bdb6db48f16ff75bb5; vendored in
# tests/contracts/twilio_message_status.json). `partially_delivered` (some parts of a multi-part
# message delivered) is recorded without moving the recipient: the final status decides;
# `receiving`/`received` belong to inbound messages and are recorded only.
STATUS_EFFECTS: dict[str, tuple[str | None, str | None]] = {
    "accepted": (None, None),
    "scheduled": (None, None),
    "queued": (None, None),
    "sending": (None, None),
    "sent": (RecipientStatus.SENT, None),
    "delivered": (RecipientStatus.DELIVERED, "delivered"),
    "undelivered": (RecipientStatus.FAILED, "failed"),
    "failed": (RecipientStatus.FAILED, "failed"),
    "canceled": (RecipientStatus.FAILED, "failed"),
    "read": (RecipientStatus.OPENED, None),
    "partially_delivered": (None, None),
    "receiving": (None, None),
    "received": (None, None),
}
# The statuses that feed each counter: a message counts once whichever of them arrives first.
COUNTED_TYPES: dict[str, tuple[str, ...]] = {
    counter: tuple(status for status, (_, fed) in STATUS_EFFECTS.items() if fed == counter)
    for counter in ("delivered", "failed")
}
FAILURES = COUNTED_TYPES["failed"]


@dataclass(frozen=True)
class SmsStatusIn:
    """A verified Twilio status callback (read by services.events.adapters.twilio)."""

    message_sid: str
    status: str
    error_code: str | None = None
    campaign_id: int | None = None  # from our StatusCallback query string
    recipient_id: int | None = None
    occurred_at: datetime = field(default_factory=utcnow)
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def provider_event_id(self) -> str:
        return f"{self.message_sid}:{self.status}"


def apply_sms_status(*, session: Session, event: SmsStatusIn) -> Outcome:
    """Store and apply `event`; commits. Replays return DUPLICATE, unknown messages DEAD_LETTER."""
    if event.status not in STATUS_EFFECTS:
        raise ValueError(f"unknown Twilio MessageStatus {event.status!r}")
    recipient = lock_recipient(session=session, event=event)
    if recipient is None:
        session.rollback()
        return dead_letter(
            session=session,
            provider="twilio",
            provider_event_id=event.provider_event_id,
            type=event.status,
            payload=event.payload,
            reason=f"unknown Twilio MessageSid {event.message_sid!r}",
        )
    row = SmsEvent(
        provider_event_id=event.provider_event_id,
        type=event.status,
        campaign_id=recipient.campaign_id,
        recipient_id=recipient.id,
        provider_message_id=event.message_sid,
        error_code=event.error_code or None,
        payload=event.payload,
        occurred_at=event.occurred_at,
        received_at=utcnow(),
    )
    if not store_once(session=session, row=row):
        return Outcome.DUPLICATE

    now = utcnow()
    new_status, counter = STATUS_EFFECTS[event.status]
    counters: dict[str, int] = {}
    if counter and not seen_before(session=session, recipient=recipient, types=COUNTED_TYPES[counter], row=row):
        counters[counter] = 1
    if new_status:
        values: dict[str, Any] = {"status": new_status, "updated_at": now}
        if recipient.provider_message_id is None:
            values["provider_message_id"] = event.message_sid
        if event.status in FAILURES:
            values["last_error"] = f"Twilio {event.status}" + (
                f": error {event.error_code}" if event.error_code else ""
            )
        session.execute(
            update(SmsCampaignRecipient)
            .where(
                SmsCampaignRecipient.id == recipient.id,
                SmsCampaignRecipient.status.in_(statuses_below(new_status)),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    count_event(
        session=session,
        channel=Channel.SMS,
        campaign_id=recipient.campaign_id,
        at=event.occurred_at,
        now=now,
        counters=counters,
        metrics=counters,
    )
    session.commit()
    return Outcome.APPLIED


def lock_recipient(*, session: Session, event: SmsStatusIn) -> SmsCampaignRecipient | None:
    """The recipient by MessageSid, else by our callback's recipient id (if the sid fits).

    Not a recipient still `claimed`: Twilio calls back before the sender has written the send's
    result, and moving the row out of `claimed` then would make the sender skip it (its `sent`
    count came out short). Such a callback is dead-lettered and replayed once the sid is stored."""
    by_sid = select(SmsCampaignRecipient).where(SmsCampaignRecipient.provider_message_id == event.message_sid)
    recipient = session.exec(by_sid.with_for_update().execution_options(populate_existing=True)).first()
    if recipient is not None or event.recipient_id is None:
        return recipient
    by_id = select(SmsCampaignRecipient).where(
        SmsCampaignRecipient.id == event.recipient_id,
        SmsCampaignRecipient.status != RecipientStatus.CLAIMED,
        or_(
            SmsCampaignRecipient.provider_message_id.is_(None),
            SmsCampaignRecipient.provider_message_id == event.message_sid,
        ),
    )
    if event.campaign_id is not None:
        by_id = by_id.where(SmsCampaignRecipient.campaign_id == event.campaign_id)
    return session.exec(by_id.with_for_update().execution_options(populate_existing=True)).first()


def seen_before(*, session: Session, recipient: SmsCampaignRecipient, types: tuple[str, ...], row: SmsEvent) -> bool:
    """Whether this recipient already had an event of one of `types` besides `row`: exact while
    the recipient row is locked, so "count once per message" holds under concurrency."""
    statement = select(
        exists().where(
            SmsEvent.recipient_id == recipient.id,
            SmsEvent.campaign_id == recipient.campaign_id,
            SmsEvent.type.in_(types),
            SmsEvent.id != row.id,
        )
    )
    return bool(session.exec(statement).one())
