"""Worker heartbeats, for readiness and the dashboard's "no worker is running" banner

Revision ID: 0005_heartbeats
Revises: 0004_audit
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401
import campaign_dashboard.models.types


revision = '0005_heartbeats'
down_revision = '0004_audit'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_heartbeats',
    sa.Column('worker_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('hostname', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seen_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('worker_id')
    )
    op.create_index(op.f('ix_worker_heartbeats_seen_at'), 'worker_heartbeats', ['seen_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_worker_heartbeats_seen_at'), table_name='worker_heartbeats')
    op.drop_table('worker_heartbeats')
