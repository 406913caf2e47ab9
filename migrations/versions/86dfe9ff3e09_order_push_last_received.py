"""When each channel's push intake last stored a push (the health panel's row).

Reviewed: one nullable column on order_push_setting, no data change (NULL reads "nothing yet"); batch mode for
SQLite, a plain ADD COLUMN on PostgreSQL; downgrade drops it.

Revision ID: 86dfe9ff3e09
Revises: 997e1153ea39
Create Date: 2026-11-30 04:19:41.329378

"""
from alembic import op
import sqlalchemy as sa

import models.base  # custom column types (UTCDateTime) rendered by autogenerate


# revision identifiers, used by Alembic.
revision = '86dfe9ff3e09'
down_revision = '997e1153ea39'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order_push_setting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_received_at', models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('order_push_setting', schema=None) as batch_op:
        batch_op.drop_column('last_received_at')
