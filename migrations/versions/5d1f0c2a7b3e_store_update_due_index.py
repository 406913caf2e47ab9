"""Partial index `ix_sales_order_store_update_due` on sales_order (channel_id) WHERE store_update_due: the
shipment export's work list (services/shipments/export_state.py) finds the orders whose store update is due
from it instead of reading every order of the channels the cron asks about (issue 28: 1,000,000 orders, a
tick with 100 channels due read them all, 190 ms; docs/scale-explain.md, "Jobs"). Few orders are due at any
time, so the index stays small. Reviewed: one index, created and dropped with batch_alter_table; no column
or data change. Works on SQLite and PostgreSQL.

Revision ID: 5d1f0c2a7b3e
Revises: 9be84abd7ae1
Create Date: 2026-12-07 11:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1f0c2a7b3e'
down_revision = '9be84abd7ae1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.create_index(
            'ix_sales_order_store_update_due',
            ['channel_id'],
            unique=False,
            sqlite_where=sa.text('store_update_due'),
            postgresql_where=sa.text('store_update_due'),
        )


def downgrade():
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_order_store_update_due')
