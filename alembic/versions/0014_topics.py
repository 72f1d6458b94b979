"""Topics: the topics table, contacts' opt-outs of a topic per channel, a campaign's topic

Revision ID: 0014_topics
Revises: 0013_ab_tests
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401

import campaign_dashboard.models.types


revision = '0014_topics'
down_revision = '0013_ab_tests'
branch_labels = None
depends_on = None

CHANNELS = ('email', 'sms')


def upgrade() -> None:
    op.create_table(
        'topics',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('created_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'topic_opt_outs',
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('created_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('topic_id', 'channel', 'contact_id'),
    )
    op.create_index('ix_topic_opt_outs_contact', 'topic_opt_outs', ['contact_id'], unique=False)
    for channel in CHANNELS:
        # No foreign key and no default: SQLite adds the column in place (its batch mode would
        # otherwise copy the campaigns table, which the recipients' foreign keys refuse).
        with op.batch_alter_table(f'{channel}_campaigns', schema=None) as batch_op:
            batch_op.add_column(sa.Column('topic_id', sa.Integer(), nullable=True))
            batch_op.create_index(f'ix_{channel}_campaigns_topic_id', ['topic_id'], unique=False)


def downgrade() -> None:
    for channel in CHANNELS:
        with op.batch_alter_table(f'{channel}_campaigns', schema=None) as batch_op:
            batch_op.drop_index(f'ix_{channel}_campaigns_topic_id')
            batch_op.drop_column('topic_id')
    op.drop_index('ix_topic_opt_outs_contact', table_name='topic_opt_outs')
    op.drop_table('topic_opt_outs')
    op.drop_table('topics')
