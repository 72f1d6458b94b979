"""Resend segment mirror: sync state on email_segments, mirrored members, pending remote deletions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 21:54:59.470954
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401
import campaign_dashboard.models.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('resend_segment_deletions',
    sa.Column('remote_id', sa.String(length=100), nullable=False),
    sa.Column('requested_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.PrimaryKeyConstraint('remote_id')
    )
    op.create_table('resend_segment_members',
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unsubscribed', sa.Boolean(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('synced_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['segment_id'], ['email_segments.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('segment_id', 'contact_id')
    )
    with op.batch_alter_table('email_segments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resend_segment_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('resend_sync_due_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resend_synced_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resend_sync_claimed_until', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resend_sync_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.create_index(batch_op.f('ix_email_segments_resend_sync_due_at'), ['resend_sync_due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('email_segments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_segments_resend_sync_due_at'))
        batch_op.drop_column('resend_sync_error')
        batch_op.drop_column('resend_sync_claimed_until')
        batch_op.drop_column('resend_synced_at')
        batch_op.drop_column('resend_sync_due_at')
        batch_op.drop_column('resend_segment_name')

    op.drop_table('resend_segment_members')
    op.drop_table('resend_segment_deletions')
