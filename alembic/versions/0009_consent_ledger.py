"""Consent ledger: one append-only row per change of a contact's email/SMS permission

Revision ID: 0009_consent_ledger
Revises: 0008_behaviour_segments
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import sqlmodel  # noqa: F401
import campaign_dashboard.models.types


revision = '0009_consent_ledger'
down_revision = '0008_behaviour_segments'
branch_labels = None
depends_on = None

REFUSAL = 'consent_ledger is append-only: entries are never changed'


def upgrade() -> None:
    op.create_table('consent_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('source_detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('occurred_at', campaign_dashboard.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('client_address', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_consent_ledger_contact_channel', ['contact_id', 'channel', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_ledger_occurred_at'), ['occurred_at'], unique=False)
    # Append-only in the database too, like audit_log: an entry is added, never changed.
    # DELETE stays possible for a GDPR erasure.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION consent_ledger_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER consent_ledger_no_update BEFORE UPDATE ON consent_ledger"
            " FOR EACH ROW EXECUTE FUNCTION consent_ledger_refuse_update()"
        )
    else:
        op.execute(
            "CREATE TRIGGER consent_ledger_no_update BEFORE UPDATE ON consent_ledger"
            f" BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.execute("DROP TRIGGER IF EXISTS consent_ledger_no_update" + (" ON consent_ledger" if postgres else ""))
    op.drop_table('consent_ledger')
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS consent_ledger_refuse_update()")
