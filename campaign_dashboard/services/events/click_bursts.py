"""A click on one link of a message within seconds of a click on another: a scanner's burst.

A security gateway follows every link of a message at once; a person follows one and reads. When
a click lands within `BURST_SECONDS` of a click on another link of the same message, this click
and those earlier ones are a machine's. The earlier ones may already have been counted as human:
`mark_machine` marks them and puts the message's human click state back to what its remaining
human events say, returning the counter to take back. Runs with the sent email row-locked
(email_events), so the reads and corrections are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, bindparam, func, or_, select
from sqlmodel import Session

from campaign_dashboard.models import EmailEvent, SentEmail, table_of

BURST_SECONDS = 5

EVENTS = table_of(EmailEvent)
SENT = table_of(SentEmail)
OTHER_LINK_CLICKS = select(EVENTS.c.id).where(
    EVENTS.c.sent_email_id == bindparam("sent_id"),
    EVENTS.c.type == "clicked",
    EVENTS.c.occurred_at.between(bindparam("since"), bindparam("until")),
    or_(EVENTS.c.link.is_(None), EVENTS.c.link != bindparam("link")),
)
MARK = (
    EVENTS.update()
    .where(EVENTS.c.id.in_(bindparam("ids", expanding=True)), EVENTS.c.machine.is_(False))
    .values(machine=True)
)
HUMAN_TIMES = (
    select(EVENTS.c.type, func.min(EVENTS.c.occurred_at), func.max(EVENTS.c.occurred_at))
    .where(
        EVENTS.c.sent_email_id == bindparam("sent_id"),
        EVENTS.c.type.in_(("opened", "clicked")),
        EVENTS.c.machine.is_(False),
    )
    .group_by(EVENTS.c.type)
)


@dataclass(frozen=True)
class Correction:
    """A human click taken back: the counter and the minute bucket it was counted in."""

    counter: str
    minute_of: datetime


def other_link_clicks(*, session: Session, sent_id: int, link: str | None, at: datetime) -> list[int]:
    """Ids of the message's clicks on another link within BURST_SECONDS of `at`."""
    window = timedelta(seconds=BURST_SECONDS)
    params = {"sent_id": sent_id, "link": link or "", "since": at - window, "until": at + window}
    return list(session.execute(OTHER_LINK_CLICKS, params).scalars())


def mark_machine(*, session: Session, sent: Row, ids: list[int]) -> Correction | None:
    """Mark the clicks `ids` as a machine's and recompute the message's human click times."""
    if not ids or session.exec(MARK, params={"ids": ids}).rowcount == 0:
        return None
    times: dict[str, tuple[datetime | None, datetime | None]] = {
        row.type: (row[1], row[2]) for row in session.execute(HUMAN_TIMES, {"sent_id": sent.id})
    }
    first_click, last_click = times.get("clicked", (None, None))
    last_open = times.get("opened", (None, None))[1]
    human_times: list[datetime] = [t for t in (last_open, last_click) if t is not None]
    last_engaged = max(human_times, default=None)
    session.execute(
        SENT.update()
        .where(SENT.c.id == sent.id)
        .values(human_clicked_at=first_click, last_clicked_at=last_click, last_engaged_at=last_engaged)
    )
    if sent.human_clicked_at is not None and first_click is None:
        return Correction("unique_human_clicks", sent.human_clicked_at)
    return None
