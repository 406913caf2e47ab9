"""An order on hold in techOMS: `sales_order.held_at` (NULL: not held) and `sales_order.hold_reason`.

Reviewed: two added columns, held_at nullable and hold_reason NOT NULL with a server default "", so every
existing order reads as not held; no index (the export's work list reads the few orders with work first and
the hold is a filter on those rows). Batch mode on SQLite, plain ALTERs on PostgreSQL; downgrade drops both.

Revision ID: b4d2f8a61c07
Revises: a7c3e1f09b21
Create Date: 2026-12-07 04:55:00

"""
from alembic import op
import sqlalchemy as sa

import models.base  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'b4d2f8a61c07'
down_revision = 'a7c3e1f09b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_at', models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('hold_reason', sa.String(length=255), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.drop_column('hold_reason')
        batch_op.drop_column('held_at')
