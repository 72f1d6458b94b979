"""The schema the migrations build is the schema the models declare: a column, index or constraint
added to a model without its migration (or the other way round) would work in tests that create
tables from the models and then fail on a real install. On SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import campaign_dashboard.models  # noqa: F401  (registers every table)
from campaign_dashboard.migrations import current_revisions, described_by_models, head_revisions


def test_the_migrated_database_is_at_head_and_matches_every_model(database_url):
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert current_revisions(connection) == head_revisions()
            opts = {"compare_type": True, "include_object": described_by_models}
            context = MigrationContext.configure(connection, opts=opts)
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []
