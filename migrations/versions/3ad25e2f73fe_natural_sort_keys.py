"""Natural sort keys for product names, variant SKUs and SKU mappings' channel SKUs ("SKU-2" before
"SKU-10", ignoring case). Reviewed: three new columns, each added nullable, filled for every existing row, then
made NOT NULL, and one index each; no existing column or data changes.

* product.name_sort_key, ix_product_account_name_order (account_id, name_sort_key, id): the products list's
  order and pages.
* product_variant.sku_sort_key, ix_product_variant_product_sku_order (product_id, sku_sort_key): a product's
  variants in order.
* sku_mapping.channel_sku_sort_key, ix_sku_mapping_channel_sku_order (channel_id, channel_sku_sort_key, id):
  the SKU mappings list's order and pages.
* The key is compared byte by byte: "C" collation on PostgreSQL (whatever the database's locale), SQLite's
  default BINARY.
* The backfill uses `_natural_sort_key` below, a frozen copy of models.natural_order.natural_sort_key as it was
  when this migration was written (the application's function may change later; this script must keep
  computing the keys it computed). tests/models/test_natural_order.py checks both agree.
Works on SQLite (batch_alter_table) and PostgreSQL; downgrade drops the columns and indexes.

Revision ID: 3ad25e2f73fe
Revises: 030099a794a3
Create Date: 2026-12-07 06:53:46.594171

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3ad25e2f73fe'
down_revision = '030099a794a3'
branch_labels = None
depends_on = None

SORT_KEY_LENGTH = 400
BATCH = 2_000
# (table, text column, key column, index name, index columns)
KEYS = (
    ('product', 'name', 'name_sort_key', 'ix_product_account_name_order', ['account_id', 'name_sort_key', 'id']),
    ('product_variant', 'sku', 'sku_sort_key', 'ix_product_variant_product_sku_order', ['product_id', 'sku_sort_key']),
    ('sku_mapping', 'channel_sku', 'channel_sku_sort_key', 'ix_sku_mapping_channel_sku_order',
     ['channel_id', 'channel_sku_sort_key', 'id']),
)

_DIGITS = re.compile(r"([0-9]+)")
_SPACES = re.compile(r"\s+")


def _natural_sort_key(text):
    """Frozen copy of models.natural_order.natural_sort_key (see the docstring above)."""
    folded = _SPACES.sub(" ", text.strip().casefold())
    parts = []
    for index, part in enumerate(_DIGITS.split(folded)):
        if index % 2:
            number = part.lstrip("0") or "0"
            parts.append(f"{min(len(number), 99):02d}{number}")
        else:
            parts.append(part)
    return "".join(parts)[:SORT_KEY_LENGTH]


def _key_type():
    return sa.String(length=SORT_KEY_LENGTH).with_variant(
        sa.String(length=SORT_KEY_LENGTH, collation='C'), 'postgresql'
    )


def _backfill(table_name, text_column, key_column):
    """Every row's key, a batch of ids at a time (keyset on id)."""
    bind = op.get_bind()
    table = sa.table(table_name, sa.column('id', sa.Integer()), sa.column(text_column, sa.String()),
                     sa.column(key_column, sa.String()))
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam('row_id'))
        .values({key_column: sa.bindparam('key')})
    )
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c[text_column])
            .where(table.c.id > last_id)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(update, [{'row_id': row_id, 'key': _natural_sort_key(text)} for row_id, text in rows])
        last_id = rows[-1][0]


def upgrade():
    for table_name, text_column, key_column, index_name, index_columns in KEYS:
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.add_column(sa.Column(key_column, _key_type(), nullable=True))
        _backfill(table_name, text_column, key_column)
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.alter_column(key_column, existing_type=_key_type(), nullable=False)
            batch_op.create_index(index_name, index_columns, unique=False)


def downgrade():
    for table_name, _text_column, key_column, index_name, _index_columns in reversed(KEYS):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_index(index_name)
            batch_op.drop_column(key_column)
