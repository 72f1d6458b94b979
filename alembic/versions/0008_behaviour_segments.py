"""Behaviour segments: when each sent email was last opened or clicked, and the indexes the
behaviour rules read (who did what with a campaign, who engaged since a date, who was emailed before one)

Revision ID: 0008_behaviour_segments
Revises: 0007_sms_not_before
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401
import campaign_dashboard.models.types


revision = '0008_behaviour_segments'
down_revision = '0007_sms_not_before'
branch_labels = None
depends_on = None

# The latest open/click of each email from its stored events (the first ones if none is stored).
BACKFILL = """
UPDATE sent_emails SET
  last_engaged_at = COALESCE(
    (SELECT max(e.occurred_at) FROM email_events e
      WHERE e.sent_email_id = sent_emails.id AND e.type IN ('opened', 'clicked')),
    first_clicked_at, first_opened_at),
  last_clicked_at = COALESCE(
    (SELECT max(e.occurred_at) FROM email_events e
      WHERE e.sent_email_id = sent_emails.id AND e.type = 'clicked'),
    first_clicked_at)
WHERE first_opened_at IS NOT NULL OR first_clicked_at IS NOT NULL
"""


def upgrade() -> None:
    with op.batch_alter_table('sent_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_engaged_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_clicked_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table('sent_emails', schema=None) as batch_op:
        # The composite indexes start with the columns the single ones indexed.
        batch_op.drop_index(batch_op.f('ix_sent_emails_campaign_id'))
        batch_op.drop_index(batch_op.f('ix_sent_emails_contact_id'))
        batch_op.create_index('ix_sent_emails_campaign_activity', ['campaign_id', 'contact_id', 'status', 'last_engaged_at', 'last_clicked_at'], unique=False)
        batch_op.create_index('ix_sent_emails_contact_sent', ['contact_id', 'sent_at', 'status'], unique=False)
        batch_op.create_index('ix_sent_emails_engaged_contact', ['last_engaged_at', 'contact_id'], unique=False)
        batch_op.create_index('ix_sent_emails_clicked_contact', ['last_clicked_at', 'contact_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sent_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_sent_emails_clicked_contact')
        batch_op.drop_index('ix_sent_emails_engaged_contact')
        batch_op.drop_index('ix_sent_emails_contact_sent')
        batch_op.drop_index('ix_sent_emails_campaign_activity')
        batch_op.create_index(batch_op.f('ix_sent_emails_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sent_emails_campaign_id'), ['campaign_id'], unique=False)
        batch_op.drop_column('last_clicked_at')
        batch_op.drop_column('last_engaged_at')
