"""A failed order whose retry costs a billed call waits before an import tries it again:
`pending_order.next_retry_at` (UTC, nullable), set when a failure is recorded without the order's JSON
(sync/pending_orders.py); NULL, every import retries it (it costs no call).

Reviewed: one nullable column, no index (an import reads a channel's waiting orders by channel_id), no data to
move: existing failed orders have none and are retried by the next import, as before. Batch mode on SQLite,
plain ALTERs on PostgreSQL; downgrade drops it.

Revision ID: ee15b0637c84
Revises: c3f8a1d6e2b9
Create Date: 2026-12-07 14:00:00

"""
from alembic import op
import sqlalchemy as sa

import models.base  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'ee15b0637c84'
down_revision = 'c3f8a1d6e2b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_retry_at', models.base.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('pending_order', schema=None) as batch_op:
        batch_op.drop_column('next_retry_at')
