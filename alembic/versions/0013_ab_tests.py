"""A/B tests: the ab_tests table and each recipient's group

Revision ID: 0013_ab_tests
Revises: 0012_frequency_caps
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401
from sqlalchemy.dialects import postgresql


revision = '0013_ab_tests'
down_revision = '0012_frequency_caps'
branch_labels = None
depends_on = None

CHANNELS = ('email', 'sms')
JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'ab_tests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('variants', JSON, nullable=False),
        sa.Column('test_share', sa.Integer(), nullable=False),
        sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('wait_minutes', sa.Integer(), nullable=False),
        sa.Column('remainder', sa.Integer(), nullable=False),
        sa.Column('winner', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decision', JSON, nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'campaign_id', name='uq_ab_tests_channel_campaign'),
    )
    for channel in CHANNELS:
        # A nullable column without a default: SQLite adds it in place (no table copy).
        with op.batch_alter_table(f'{channel}_campaign_recipients', schema=None) as batch_op:
            batch_op.add_column(sa.Column('ab_group', sa.Integer(), nullable=True))


def downgrade() -> None:
    for channel in CHANNELS:
        # A plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): batch mode would copy the table,
        # which SQLite's foreign keys refuse once emails were sent.
        op.execute(f'ALTER TABLE {channel}_campaign_recipients DROP COLUMN ab_group')
    op.drop_table('ab_tests')
