"""The reputation breaker: whether it paused a campaign, or a person overrode it

Revision ID: 0011_breaker
Revises: 0010_follow_ups
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0011_breaker'
down_revision = '0010_follow_ups'
branch_labels = None
depends_on = None

TABLES = ('email_campaigns', 'sms_campaigns')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('breaker', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('breaker')
