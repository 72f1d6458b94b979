"""Column types shared by the tables: UTC-aware timestamps and portable JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import JSON, DateTime, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Stored(Protocol):
    id: int | None


def id_of(row: _Stored) -> int:
    """The primary key of a stored row. SQLModel types `id` as optional (a new row has none until
    it is flushed), so code holding a stored row says so here rather than passing None along."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it was never stored")
    return row.id


def table_of(model: type[SQLModel]) -> Table:
    """The model's Core table, for Core statements (upserts, bulk updates). SQLModel sets
    `__table__` on table classes without declaring it to type checkers, hence the one ignore."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


class UTCDateTime(TypeDecorator):
    """Stores UTC and always gives back an aware datetime, also on SQLite (which drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must carry a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
