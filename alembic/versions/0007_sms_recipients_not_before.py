"""Index SMS recipients by (campaign, status, not_before): the campaign page counts the rows
waiting for their quiet hours, by window, without reading every pending row

Revision ID: 0007_sms_not_before
Revises: 0006_password_change
"""
from alembic import op


revision = '0007_sms_not_before'
down_revision = '0006_password_change'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_sms_recipients_campaign_status_not_before',
        'sms_campaign_recipients',
        ['campaign_id', 'status', 'not_before'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_sms_recipients_campaign_status_not_before', table_name='sms_campaign_recipients')
