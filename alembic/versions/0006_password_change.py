"""Password changes: an admin's reset makes the user choose a new password at the next login

Revision ID: 0006_password_change
Revises: 0005_heartbeats
"""
from alembic import op
import sqlalchemy as sa
import campaign_dashboard.models.types


revision = '0006_password_change'
down_revision = '0005_heartbeats'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(
            sa.Column('password_changed_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('must_change_password')
