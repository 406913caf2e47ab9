"""Indexes for a year of a busy account (1,000,000 orders, 100,000 runs: bench/scale.py), each made for a query
that read a whole table or the whole account:

* the orders search (number, customer name or e-mail containing the text, ILIKE '%…%'): PostgreSQL gets the
  pg_trgm extension (created if missing) and one GIN index with `gin_trgm_ops` over the three columns; SQLite
  has no trigram index, so the same name is a plain index there (the model declares one Index with
  PostgreSQL-only options, so `flask db check` is clean on both);
* the orders list's order: (account_id, store_created_at) gains `id`, its tie-breaker, so a deep page skips
  index entries instead of sorting;
* orders imported today per channel: (channel_id, imported_at);
* shipments sent today per channel: the export's (channel_id, export_status) gains sent_at;
* channel health: sync_run (channel_id, action, status, finished_at); a channel's run history newest first:
  sync_run (channel_id, id), which replaces the single-column channel_id index;
* the products list: its (account_id, name_sort_key, id) index (3ad25e2f73fe) leads with the account, so the
  single-column account_id index goes.

Reviewed: indexes only, no data change. Batch mode on SQLite; plain CREATE/DROP INDEX on PostgreSQL. The
downgrade restores the previous indexes and leaves the extension (other objects may use it).

Revision ID: e1a7c0d5f2b4
Revises: 3ad25e2f73fe
Create Date: 2026-12-07 07:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e1a7c0d5f2b4'
down_revision = '3ad25e2f73fe'
branch_labels = None
depends_on = None

SEARCH_COLUMNS = ['number', 'customer_name', 'customer_email']


def _trigram_opclass() -> str:
    """gin_trgm_ops named by the schema pg_trgm lives in: the extension may already exist in a schema that
    is not on this connection's search_path (one schema per tenant or per bench)."""
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return 'gin_trgm_ops'
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    schema = bind.execute(
        sa.text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
    ).scalar()
    return f'{schema}.gin_trgm_ops'


def upgrade():
    opclass = _trigram_opclass()
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.create_index(
            'ix_sales_order_search_trgm',
            SEARCH_COLUMNS,
            unique=False,
            postgresql_using='gin',
            postgresql_ops={column: opclass for column in SEARCH_COLUMNS},
        )
        batch_op.drop_index('ix_sales_order_account_created')
        batch_op.create_index(
            'ix_sales_order_account_created', ['account_id', 'store_created_at', 'id'], unique=False
        )
        batch_op.create_index('ix_sales_order_channel_imported', ['channel_id', 'imported_at'], unique=False)

    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_index('ix_shipment_channel_id_export_status')
        batch_op.create_index(
            'ix_shipment_channel_status_sent', ['channel_id', 'export_status', 'sent_at'], unique=False
        )

    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_run_channel_id')
        batch_op.create_index('ix_sync_run_channel_id_id', ['channel_id', 'id'], unique=False)
        batch_op.create_index(
            'ix_sync_run_channel_action_status_finished',
            ['channel_id', 'action', 'status', 'finished_at'],
            unique=False,
        )

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('ix_product_account_id')


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index('ix_product_account_id', ['account_id'], unique=False)

    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_run_channel_action_status_finished')
        batch_op.drop_index('ix_sync_run_channel_id_id')
        batch_op.create_index('ix_sync_run_channel_id', ['channel_id'], unique=False)

    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_index('ix_shipment_channel_status_sent')
        batch_op.create_index(
            'ix_shipment_channel_id_export_status', ['channel_id', 'export_status'], unique=False
        )

    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_order_channel_imported')
        batch_op.drop_index('ix_sales_order_account_created')
        batch_op.create_index('ix_sales_order_account_created', ['account_id', 'store_created_at'], unique=False)
        batch_op.drop_index('ix_sales_order_search_trgm')
