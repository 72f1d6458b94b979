"""Follow-up campaigns: which campaign a draft follows up and which of its recipients it targets

Revision ID: 0010_follow_ups
Revises: 0009_consent_ledger
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0010_follow_ups'
down_revision = '0009_consent_ledger'
branch_labels = None
depends_on = None

TABLES = ('email_campaigns', 'sms_campaigns')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('follow_up_of', sa.Integer(), nullable=True))
            batch_op.add_column(
                sa.Column('follow_up_audience', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('follow_up_audience')
            batch_op.drop_column('follow_up_of')
