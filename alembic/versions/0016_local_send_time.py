"""Send at a local time: the time and the zone for contacts without one; email rows by not_before

Revision ID: 0016_local_send_time
Revises: 0015_machine_engagement
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


revision = '0016_local_send_time'
down_revision = '0015_machine_engagement'
branch_labels = None
depends_on = None

CHANNELS = ('email', 'sms')


def upgrade() -> None:
    for channel in CHANNELS:
        with op.batch_alter_table(f'{channel}_campaigns', schema=None) as batch_op:
            batch_op.add_column(sa.Column('local_send_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True))
            batch_op.add_column(sa.Column('local_time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.create_index(
        'ix_email_recipients_campaign_status_not_before',
        'email_campaign_recipients',
        ['campaign_id', 'status', 'not_before'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_email_recipients_campaign_status_not_before', table_name='email_campaign_recipients')
    for channel in CHANNELS:
        with op.batch_alter_table(f'{channel}_campaigns', schema=None) as batch_op:
            batch_op.drop_column('local_time_zone')
            batch_op.drop_column('local_send_time')
