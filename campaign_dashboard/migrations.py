"""Apply Alembic migrations from code (CLI, app start, tests) against any database URL."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic.config import Config

from alembic import command

ROOT = Path(__file__).resolve().parent.parent
if not (ROOT / "alembic.ini").exists():  # a non-editable install: pyproject's data-files put them here
    ROOT = Path(sys.prefix) / "share" / "campaign-dashboard"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str | None = None) -> None:
    """Bring the schema to the newest revision; safe to run on every start."""
    command.upgrade(alembic_config(database_url), "head")


def described_by_models(object_, name, type_, reflected, compare_to) -> bool:
    """Alembic's `include_object`: the contacts search indexes (PostgreSQL's GIN index, SQLite's
    FTS5 table and its shadow tables, the short terms' expression indexes) are made by their
    migrations in SQL, not declared by a model, so comparisons leave them out."""
    from campaign_dashboard.services.audience.search_index import PG_INDEX, PREFIX_COLUMNS, SQLITE_TABLE, prefix_index

    if type_ == "index":
        return name not in {PG_INDEX, *(prefix_index(column) for column in PREFIX_COLUMNS)}
    return not (type_ == "table" and reflected and str(name).startswith(SQLITE_TABLE))


def head_revisions() -> set[str]:
    """The revisions this code expects (normally one head)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(connection) -> set[str]:
    """The revisions the database is at."""
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())
