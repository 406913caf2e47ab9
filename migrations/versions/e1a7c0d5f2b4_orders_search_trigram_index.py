"""The orders search's index: number, customer name or e-mail containing the text (ILIKE '%…%').

PostgreSQL: the pg_trgm extension (created if missing) and one GIN index with `gin_trgm_ops` over the three
columns, so a search reads the matching rows instead of every order of the account (1,000,000 orders:
bench/scale.py). SQLite has no trigram index: the same name is a plain index there (the model declares one
Index with PostgreSQL-only options, so `flask db check` is clean on both).

Reviewed: one index, no data change. The downgrade leaves the extension (other objects may use it).

Revision ID: e1a7c0d5f2b4
Revises: 5b2a738ef335
Create Date: 2026-12-07 07:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e1a7c0d5f2b4'
down_revision = '5b2a738ef335'
branch_labels = None
depends_on = None

COLUMNS = ['number', 'customer_name', 'customer_email']


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.create_index(
            'ix_sales_order_search_trgm',
            COLUMNS,
            unique=False,
            postgresql_using='gin',
            postgresql_ops={column: 'gin_trgm_ops' for column in COLUMNS},
        )


def downgrade():
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_order_search_trgm')
