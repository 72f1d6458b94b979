"""The contacts search's short terms: prefix indexes on lower(email), lower(first_name), lower(last_name)

Revision ID: 0019_contact_prefix_indexes
Revises: 0018_contact_search_index
"""

from alembic import op

from campaign_dashboard.services.audience import search_index

revision = '0019_contact_prefix_indexes'
down_revision = '0018_contact_search_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in search_index.prefix_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for column in search_index.PREFIX_COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS {search_index.prefix_index(column)}")
