"""The frequency cap: a campaign may ignore it and counts whom it skipped; ledgers probed by (contact, sent_at)

Revision ID: 0012_frequency_caps
Revises: 0011_breaker
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0012_frequency_caps'
down_revision = '0011_breaker'
branch_labels = None
depends_on = None

CHANNELS = ('email', 'sms')


def upgrade() -> None:
    for channel in CHANNELS:
        with op.batch_alter_table(f'{channel}_campaigns', schema=None) as batch_op:
            # A plain '0' (false on SQLite and PostgreSQL): a SQL expression as the default would
            # make SQLite's batch mode copy the table, which its foreign keys refuse once it has rows.
            batch_op.add_column(sa.Column('ignore_frequency_cap', sa.Boolean(), nullable=False, server_default='0'))
            batch_op.add_column(sa.Column('frequency_capped', sa.Integer(), nullable=False, server_default='0'))
        with op.batch_alter_table(f'{channel}_campaign_recipients', schema=None) as batch_op:
            batch_op.create_index(
                f'ix_{channel}_recipients_contact_sent', ['contact_id', 'sent_at', 'status'], unique=False
            )


def downgrade() -> None:
    for channel in CHANNELS:
        with op.batch_alter_table(f'{channel}_campaign_recipients', schema=None) as batch_op:
            batch_op.drop_index(f'ix_{channel}_recipients_contact_sent')
        with op.batch_alter_table(f'{channel}_campaigns', schema=None) as batch_op:
            batch_op.drop_column('frequency_capped')
            batch_op.drop_column('ignore_frequency_cap')
