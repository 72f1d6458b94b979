"""Send at a local time: "09:00 in each contact's time zone".

As the audience is snapshotted, each recipient gets `not_before` = the next 09:00 in its contact's
time zone after the campaign starts; contacts without a zone (none given, one that names no place
such as "UTC", or one no time-zone database knows) use the campaign's `local_time_zone`. The
claim already skips rows whose `not_before` is ahead, and a campaign with only such rows left is
`deferred` (the worker comes back at the earliest one), so the campaign stays `sending` until the
last zone's turn. SMS quiet hours still apply when a row is claimed.

The work is per distinct zone, not per contact: one UPDATE per distinct send instant (zones that
share an offset share it), over the rows of the campaign, so a million recipients cost a few
dozen statements.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlmodel import Session, col

from campaign_dashboard.models import Channel, Contact, RecipientStatus
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.channels import recipient_model
from campaign_dashboard.services.errors import ValidationFailed

SEND_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# Zone names that say where nobody is: a contact with one of these gave no zone.
PLACELESS = frozenset({"", "UTC", "Etc/UTC", "UCT", "Etc/UCT", "GMT", "Etc/GMT", "Zulu", "Etc/Zulu", "Universal"})
DUE_NOW = timedelta(minutes=1)  # a send time this close is now: no point deferring the row


def parse_send_time(value: str) -> time:
    """ "09:00" as a time; ValidationFailed naming `local_send_time` otherwise."""
    found = SEND_TIME.match(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise ValidationFailed(
            f"local_send_time {value!r} is not a time of day as HH:MM (24-hour), e.g. 09:00.",
            details=[{"field": "local_send_time", "message": "a time of day as HH:MM, e.g. 09:00"}],
        )
    return time(int(found.group(1)), int(found.group(2)))


def zone_of(name: str | None) -> ZoneInfo | None:
    """The time zone `name` names, or None when it names no place or none the database knows."""
    if name is None or name.strip() in PLACELESS:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def check_zone(name: str) -> str:
    """A campaign's zone for contacts without one: any IANA name, UTC included."""
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError, AttributeError):
        raise ValidationFailed(
            f"Unknown time zone {name!r}; use an IANA name such as Europe/Paris.",
            details=[{"field": "local_time_zone", "message": "unknown time zone"}],
        ) from None
    return name.strip()


def next_send(after: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first `at` o'clock in `zone` at or after `after`, in UTC. A time the clocks skip (02:30
    as summer time begins) goes at the instant it names in the old offset, an hour later by the clock."""
    local = after.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate.astimezone(UTC) < after:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate.astimezone(UTC)


def stagger(*, session: Session, channel: Channel, campaign: CampaignFields, now: datetime) -> int:
    """Defer the campaign's pending recipients to their local send time; returns how many wait.
    Runs in the snapshot's transaction, right after the rows are inserted."""
    if not campaign.local_send_time or campaign.id is None:
        return 0
    at = parse_send_time(campaign.local_send_time)
    fallback = zone_of(campaign.local_time_zone) or ZoneInfo(campaign.local_time_zone or "UTC")
    Recipient = recipient_model(channel)
    pending = (col(Recipient.campaign_id) == campaign.id, col(Recipient.status) == RecipientStatus.PENDING)
    names = session.scalars(
        select(col(Contact.timezone))
        .distinct()
        .join(Recipient, col(Recipient.contact_id) == col(Contact.id))
        .where(*pending)
    ).all()
    by_instant: dict[datetime, list[str]] = defaultdict(list)
    for name in names:
        by_instant[next_send(now, at, zone_of(name) or fallback)].append(name)
    waiting = 0
    for instant, zones in sorted(by_instant.items()):
        if instant - now < DUE_NOW:
            continue
        of_zones = select(col(Contact.id)).where(col(Contact.timezone).in_(zones))
        waiting += session.exec(
            update(Recipient).where(*pending, col(Recipient.contact_id).in_(of_zones)).values(not_before=instant)
        ).rowcount
    return waiting
