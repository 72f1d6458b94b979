"""Dead-lettered events whose message has appeared since are applied late, exactly once.

A provider can call back before the send path has committed the row its event names (Resend
accepted the email and fired `email.delivered` while our transaction writing `sent_emails` was
still open), so the event was parked in `dead_letter_events` as "unknown message". The worker's
tick calls `replay_dead_letters`: a bounded batch of parked events whose message id now exists is
applied through the normal event path, and each letter is removed once its event is stored.

Exactly once: a replayed event keeps its provider event id, which `email_events`/`sms_events`
store uniquely. If a replay dies between applying and removing the letter, or two workers replay
the same letter at once, the second application is a DUPLICATE that changes nothing, and the
letter is removed because its event is stored. Letters whose message never appears stay, with
their reason; only letters younger than `max_age` are looked at, so those are not rescanned forever.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select
from sqlmodel import Session

from campaign_dashboard.models import DeadLetterEvent, EmailEvent, SentEmail, SmsCampaignRecipient, SmsEvent, utcnow
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.adapters import resend, twilio
from campaign_dashboard.services.events.dead_letters import Outcome
from campaign_dashboard.services.events.email_events import EmailEventIn, apply_email_event
from campaign_dashboard.services.events.sms_events import apply_sms_status

BATCH = 200  # letters per tick: a backlog drains over a few ticks without one long transaction
MAX_AGE = timedelta(days=1)  # the race lasts seconds; older letters are kept, not retried

LETTER = DeadLetterEvent
RESEND_MESSAGE = LETTER.payload[("data", "email_id")].as_string()
TWILIO_MESSAGE = LETTER.payload[("MessageSid",)].as_string()
EVENT_TABLE = {"resend": EmailEvent, "twilio": SmsEvent}


def replay_dead_letters(
    *, session: Session, limit: int = BATCH, max_age: timedelta = MAX_AGE, now: datetime | None = None
) -> Counter[str]:
    """Apply up to `limit` parked events whose message now exists; returns how each one went
    ("applied", "duplicate" for one applied before, "invalid" for a payload we cannot read)."""
    now = now or utcnow()
    letters = session.execute(
        select(LETTER.id, LETTER.provider, LETTER.provider_event_id, LETTER.payload)
        .where(
            LETTER.received_at >= now - max_age,
            or_(
                and_(LETTER.provider == "resend", exists().where(SentEmail.provider_message_id == RESEND_MESSAGE)),
                and_(
                    LETTER.provider == "twilio",
                    exists().where(SmsCampaignRecipient.provider_message_id == TWILIO_MESSAGE),
                ),
            ),
        )
        .order_by(LETTER.id)
        .limit(limit)
    ).all()
    session.rollback()  # end the read: on SQLite every transaction holds the write lock
    report: Counter[str] = Counter()
    for letter in letters:
        outcome = _apply(
            session=session, provider=letter.provider, event_id=letter.provider_event_id, payload=letter.payload
        )
        report[str(outcome) if outcome else "invalid"] += 1
        if outcome is not None and _event_stored(session=session, letter=letter):
            session.execute(delete(LETTER).where(LETTER.id == letter.id))
        session.commit()
    return report


def _apply(*, session: Session, provider: str, event_id: str, payload: dict) -> Outcome | None:
    """The letter's event through the webhook's adapter and the normal path (which commits); None
    if it cannot be read."""
    if provider == "resend":
        try:
            event = resend.normalise(payload, event_id=event_id)
        except ValidationFailed:
            return None
        if not isinstance(event, EmailEventIn):
            return None
        return apply_email_event(session=session, event=event)
    status = twilio.status_event(payload)
    return None if status is None else apply_sms_status(session=session, event=status)


def _event_stored(*, session: Session, letter) -> bool:
    table = EVENT_TABLE[letter.provider]
    return bool(session.scalar(select(exists().where(table.provider_event_id == letter.provider_event_id))))
