"""The contacts search index: pg_trgm GIN on PostgreSQL, an FTS5 trigram table on SQLite

Revision ID: 0018_contact_search_index
Revises: 0017_signups
"""

from alembic import op

from campaign_dashboard.services.audience import search_index

revision = '0018_contact_search_index'
down_revision = '0017_signups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"postgresql": search_index.postgres_ddl, "sqlite": search_index.sqlite_ddl}.get(dialect)
    for statement in statements() if statements else []:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {search_index.PG_INDEX}")
    elif dialect == "sqlite":
        for trigger in search_index.SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute(f"DROP TABLE IF EXISTS {search_index.SQLITE_TABLE}")
