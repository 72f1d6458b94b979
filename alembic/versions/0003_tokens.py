"""API tokens may expire: api_tokens.expires_at

Revision ID: 0003_tokens
Revises: 0002
Create Date: 2026-11-30 06:10:00
"""
from alembic import op
import sqlalchemy as sa
import campaign_dashboard.models.types


revision = '0003_tokens'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', campaign_dashboard.models.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
