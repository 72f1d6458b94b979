"""Sign-up with double opt-in: the sign-ups waiting for their confirmation

Revision ID: 0017_signups
Revises: 0016_local_send_time
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401
from sqlalchemy.dialects import postgresql

import campaign_dashboard.models.types


revision = '0017_signups'
down_revision = '0016_local_send_time'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pending_signups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column('sms_consent', sa.Boolean(), nullable=False),
        sa.Column('sms_consent_text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column(
            'topic_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False
        ),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('client_address', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column('created_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('confirmation_sent_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('confirmed_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_pending_signups_expires_at', 'pending_signups', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pending_signups_expires_at', table_name='pending_signups')
    op.drop_table('pending_signups')
