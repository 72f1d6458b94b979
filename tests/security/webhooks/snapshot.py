"""Every row of every table, to prove a refused or ignored webhook wrote nothing at all."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel


def database_snapshot(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(map(tuple, conn.execute(sa.select(table)).all()), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }
