"""The store's clock on each store inventory record: `store_inventory_record.store_seen_at`, when the store
served or confirmed the recorded figure, by its own Date header. A store order placed after it lowers the
record (the store's count went down), so the next delta does not push a figure the store already shows.
Reviewed: one nullable column, added and dropped with batch_alter_table; existing rows keep NULL, which keeps
the previous rule (techOMS's push time with a 60 s margin) until the row is next read or pushed. No data
changes.

Revision ID: 9be84abd7ae1
Revises: 4865e734b8d0
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import models.base  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '9be84abd7ae1'
down_revision = '4865e734b8d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('store_inventory_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('store_seen_at', models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('store_inventory_record', schema=None) as batch_op:
        batch_op.drop_column('store_seen_at')
