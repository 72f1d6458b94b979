"""Two query shapes several services share: one stored row by id, and values grouped by a key."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, select

from campaign_dashboard.services.errors import NotFound

RowT = TypeVar("RowT", bound=SQLModel)


def get_row(session: Session, model: type[RowT], row_id: int, what: str) -> RowT:
    """The `model` row with this id, or NotFound ("`what` 7 does not exist.")."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{what} {row_id} does not exist.")
    return row


def grouped(session: Session, key: Any, value: Any, keys: Iterable[int]) -> defaultdict[int, list[Any]]:
    """`value` per `key` for each of `keys` (every one present, [] when it has none), in one query,
    each list in `value` order."""
    ids = list(keys)
    groups: defaultdict[int, list[Any]] = defaultdict(list, {k: [] for k in ids})
    if ids:
        for k, v in session.exec(select(key, value).where(key.in_(ids)).order_by(key, value)).all():
            groups[k].append(v)
    return groups
