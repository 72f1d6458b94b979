"""Human and machine engagement: machine opens and clicks marked, human firsts and counters kept

Revision ID: 0015_machine_engagement
Revises: 0014_topics
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401

from campaign_dashboard.models.types import UTCDateTime


revision = '0015_machine_engagement'
down_revision = '0014_topics'
branch_labels = None
depends_on = None

CHANNELS = ('email', 'sms')
COUNTERS = ('unique_human_opens', 'unique_human_clicks')
HUMAN_FIRSTS = ('human_opened_at', 'human_clicked_at')


def upgrade() -> None:
    for channel in CHANNELS:
        with op.batch_alter_table(f'{channel}_campaigns', schema=None) as batch_op:
            for counter in COUNTERS:
                batch_op.add_column(sa.Column(counter, sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('sent_emails', schema=None) as batch_op:
        for column in HUMAN_FIRSTS:
            batch_op.add_column(sa.Column(column, UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('email_events', schema=None) as batch_op:
        # A plain '0': see 0012 (an expression default makes SQLite's batch mode copy the table).
        batch_op.add_column(sa.Column('machine', sa.Boolean(), nullable=False, server_default='0'))
    # What was counted before the rules existed stays counted as it was: every first open and
    # click so far is taken as a person's (the rules cannot be applied after the fact to events
    # whose payloads did not keep the delivery time they compare with).
    op.execute('UPDATE sent_emails SET human_opened_at = first_opened_at, human_clicked_at = first_clicked_at')
    for channel in CHANNELS:
        op.execute(
            f'UPDATE {channel}_campaigns SET unique_human_opens = unique_opens, unique_human_clicks = unique_clicks'
        )


def downgrade() -> None:
    with op.batch_alter_table('email_events', schema=None) as batch_op:
        batch_op.drop_column('machine')
    with op.batch_alter_table('sent_emails', schema=None) as batch_op:
        for column in reversed(HUMAN_FIRSTS):
            batch_op.drop_column(column)
    for channel in CHANNELS:
        with op.batch_alter_table(f'{channel}_campaigns', schema=None) as batch_op:
            for counter in reversed(COUNTERS):
                batch_op.drop_column(counter)
