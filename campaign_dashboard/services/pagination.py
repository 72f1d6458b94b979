"""Keyset pagination shared by every list: `next_cursor` names the last row returned, so paging
never skips or repeats a row while others are added or deleted, and page 1,000 costs what page 1
costs. Cursors are opaque to callers."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlmodel import Session

from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.limits import MAX_ID

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def page_of(
    session: Session, query, *, id_column, cursor: str | None = None, limit: int = 50, newest_first: bool = False
) -> Page:
    """Run `query` (a select of rows with an `id`) for one page ordered by `id_column`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            f"limit must be between 1 and {MAX_LIMIT}.",
            details=[{"field": "limit", "message": f"between 1 and {MAX_LIMIT}"}],
        )
    if cursor:
        after = decode_cursor(cursor)
        query = query.where(id_column < after if newest_first else id_column > after)
    query = query.order_by(id_column.desc() if newest_first else id_column.asc()).limit(limit + 1)
    rows = list(session.exec(query).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor(rows[-1].id) if more else None)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "id":
            raise ValueError(raw)
        last_id = int(value)
        if not 0 <= last_id <= MAX_ID:  # a forged cursor must not overflow the database's integer
            raise ValueError(raw)
        return last_id
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise ValidationFailed(
            "Invalid cursor: pass back the next_cursor of a previous page.",
            details=[{"field": "cursor", "message": "invalid cursor"}],
        ) from None
