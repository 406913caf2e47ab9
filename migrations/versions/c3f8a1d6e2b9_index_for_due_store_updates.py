"""An index for the shipment export's work at a year of orders (bench/scale_cron_purge.py, now bench/scale_jobs.py): the cron looks each
minute for channels with work (services/shipments/export_state.py), and the orders whose store update is due
were found by reading every order of the channels (257 ms at 1,000,000 orders). A partial index on
sales_order (channel_id, id) WHERE store_update_due AND store_update_error = '' holds only those orders.

Reviewed: one index, no data change. Batch mode on SQLite; plain CREATE/DROP INDEX on PostgreSQL.

Revision ID: c3f8a1d6e2b9
Revises: b7d2e9a4c1f6
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c3f8a1d6e2b9'
down_revision = 'b7d2e9a4c1f6'
branch_labels = None
depends_on = None

STORE_UPDATE_DUE = "store_update_due AND store_update_error = ''"


def upgrade():
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.create_index(
            'ix_sales_order_store_update_due',
            ['channel_id', 'id'],
            unique=False,
            sqlite_where=sa.text(STORE_UPDATE_DUE),
            postgresql_where=sa.text(STORE_UPDATE_DUE),
        )


def downgrade():
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_order_store_update_due')
