"""Indexes for the pages still slow at a year of a busy account (bench/scale.py), each made for one query:

* the latest run per channel and action (channel list, overview, every channel page: sync.runs.last_runs):
  sync_run (channel_id, action, id), so each (channel, action) is one max(id) probe instead of a grouping of
  every run of the year;
* the products search (name or a variant's SKU containing the text, ILIKE / LIKE '%…%', which no b-tree
  serves): PostgreSQL gets trigram GIN indexes (`gin_trgm_ops`) on product.name and product_variant.sku_key,
  the pg_trgm extension created if missing, as e1a7c0d5f2b4 did for the orders search; SQLite has no trigram
  index, so the same names are plain indexes there;
* an order's webhook deliveries (the order page's timeline): webhook_delivery (order_id, id), which read the
  whole delivery log before.

Reviewed: indexes only, no data change. Batch mode on SQLite; plain CREATE/DROP INDEX on PostgreSQL. The
downgrade drops them and leaves the extension (other objects use it).

Revision ID: b7d2e9a4c1f6
Revises: 9be84abd7ae1
Create Date: 2026-12-07 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b7d2e9a4c1f6'
down_revision = '9be84abd7ae1'
branch_labels = None
depends_on = None


def _trigram_opclass() -> str:
    """gin_trgm_ops named by the schema pg_trgm lives in (it may be outside this connection's search_path)."""
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
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.create_index('ix_sync_run_channel_action_id', ['channel_id', 'action', 'id'], unique=False)

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index(
            'ix_product_name_trgm',
            ['name'],
            unique=False,
            postgresql_using='gin',
            postgresql_ops={'name': opclass},
        )

    with op.batch_alter_table('product_variant', schema=None) as batch_op:
        batch_op.create_index(
            'ix_product_variant_sku_key_trgm',
            ['sku_key'],
            unique=False,
            postgresql_using='gin',
            postgresql_ops={'sku_key': opclass},
        )

    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_delivery_order', ['order_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_order')

    with op.batch_alter_table('product_variant', schema=None) as batch_op:
        batch_op.drop_index('ix_product_variant_sku_key_trgm')

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('ix_product_name_trgm')

    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_run_channel_action_id')
