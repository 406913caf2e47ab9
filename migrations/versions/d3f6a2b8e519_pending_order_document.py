"""A failed order keeps the Show Order JSON it failed on: `pending_order.document` (JSON, nullable) and
`pending_order.document_updated_at`, so a retry after a SKU mapping reuses it instead of a billed call.

Reviewed: two nullable columns, no index, no data to move (existing failed orders simply have none and are
read again as before). The JSON holds customer data: privacy classifies it to remove, and the row goes when
the order imports. Batch mode on SQLite, plain ALTERs on PostgreSQL; downgrade drops both.

Revision ID: d3f6a2b8e519
Revises: c91e5d3a7f42
Create Date: 2026-12-07 04:40:00

"""
from alembic import op
import sqlalchemy as sa

import models.base  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'd3f6a2b8e519'
down_revision = 'c91e5d3a7f42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('document_updated_at', models.base.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('pending_order', schema=None) as batch_op:
        batch_op.drop_column('document_updated_at')
        batch_op.drop_column('document')
