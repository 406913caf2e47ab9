"""Advanced settings › "Store currency": `sales_channel.currency`, the ISO 4217 code the store prices in (the
Bright Sites API sends amounts without one). Reviewed: one String(3) column, NOT NULL with a server default of
'' (not said: totals stay bare amounts, as before), added and dropped with batch_alter_table (SQLite rebuilds
the table, PostgreSQL alters it in place). No data changes.

Revision ID: 4865e734b8d0
Revises: e1a7c0d5f2b4
Create Date: 2026-12-07 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4865e734b8d0'
down_revision = 'e1a7c0d5f2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sales_channel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=3), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('sales_channel', schema=None) as batch_op:
        batch_op.drop_column('currency')
