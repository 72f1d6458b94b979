"""A campaign's local send time ("09:00 in each contact's time zone"): what a valid time and zone
are, which zones name no place, and when the next such time comes in a zone. Plain functions the
campaign's checks (`content`) and the snapshot's staggering (`sending.local_time`) share.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from campaign_dashboard.services.errors import ValidationFailed

SEND_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# Zone names that say where nobody is: a contact with one of these gave no zone.
PLACELESS = frozenset({"", "UTC", "Etc/UTC", "UCT", "Etc/UCT", "GMT", "Etc/GMT", "Zulu", "Etc/Zulu", "Universal"})


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
