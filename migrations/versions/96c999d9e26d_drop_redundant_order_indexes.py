"""Drop three single-column indexes that a composite index already covers (leading column):
sales_order.account_id (ix_sales_order_account_created), sales_order.channel_id (the unique channel_id,
external_id) and order_address.order_id (the unique order_id, kind). Each import update and each purge batch
wrote them again for nothing.

Reviewed: index drops only, no data change; every query that filtered on those columns keeps an index (the
composites above); downgrade re-creates them. Batch mode on SQLite, plain DROP INDEX on PostgreSQL.

Revision ID: 96c999d9e26d
Revises: 86dfe9ff3e09
Create Date: 2026-11-30 04:20:56.064748

"""
from alembic import op
import sqlalchemy as sa

import models.base  # custom column types (UTCDateTime) rendered by autogenerate


# revision identifiers, used by Alembic.
revision = '96c999d9e26d'
down_revision = '86dfe9ff3e09'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order_address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_address_order_id'))

    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_order_account_id'))
        batch_op.drop_index(batch_op.f('ix_sales_order_channel_id'))


def downgrade():
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_order_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_account_id'), ['account_id'], unique=False)

    with op.batch_alter_table('order_address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_address_order_id'), ['order_id'], unique=False)
