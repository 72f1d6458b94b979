"""Which delivery state wins when provider events arrive out of order.

Providers retry and reorder webhooks, so a recipient's status only ever moves up this ladder:
a late `delivered` never downgrades `opened`, and a bounce, failure or complaint beats any
engagement state. Two states of equal rank never replace each other (the first one stays).
"""

from __future__ import annotations

from campaign_dashboard.models import RecipientStatus

RANK: dict[str, int] = {
    RecipientStatus.PENDING: 0,
    RecipientStatus.CLAIMED: 1,
    RecipientStatus.CANCELLED: 1,
    RecipientStatus.SENT: 2,
    RecipientStatus.DELIVERED: 3,
    RecipientStatus.OPENED: 4,
    RecipientStatus.CLICKED: 5,
    RecipientStatus.FAILED: 6,
    RecipientStatus.BOUNCED: 6,
    RecipientStatus.COMPLAINED: 7,
}


def rank(status: str) -> int:
    return RANK.get(status, 0)


def outranks(new: str, current: str) -> bool:
    """True when `new` should replace `current`."""
    return rank(new) > rank(current)


def statuses_below(new: str) -> tuple[str, ...]:
    """The stored statuses `new` may replace: the WHERE clause of an atomic conditional UPDATE."""
    return tuple(status for status, r in RANK.items() if r < rank(new))
