"""Advanced settings › "Mark orders In progress on the store when fulfilment starts":
`sales_channel.acknowledge_when_fulfilment_starts`. Reviewed: one boolean column, NOT NULL with a server
default of false (sa.false(): FALSE on PostgreSQL, 0 on SQLite), so existing channels keep today's behaviour
(nothing is sent to the store unless asked); added and dropped with batch_alter_table (SQLite rebuilds the
table, PostgreSQL alters it in place).

Revision ID: f10722a573b6
Revises: 5b2a738ef335
Create Date: 2026-12-07 06:57:59.565518

"""
from alembic import op
import sqlalchemy as sa

from migrations.unreadable_rows import refuse_unreadable


# revision identifiers, used by Alembic.
revision = 'f10722a573b6'
down_revision = '5b2a738ef335'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sales_channel', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'acknowledge_when_fulfilment_starts', sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    # This release's first migration also answers for the run trigger it added without a schema change:
    # the inventory export's catch-up import (`catch_up`), which the older code cannot read.
    refuse_unreadable(revision, down_revision, {('sync_run', 'trigger'): ('catch_up',)})
    with op.batch_alter_table('sales_channel', schema=None) as batch_op:
        batch_op.drop_column('acknowledge_when_fulfilment_starts')
