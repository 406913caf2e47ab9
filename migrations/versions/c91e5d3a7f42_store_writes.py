"""Writes techOMS makes to a store order on an operator's request (cancel, note, void a shipment): the
`store_write` table.

Reviewed: foreign keys to account, channel, order, shipment and user (no cascade: a write's record stays with
its order); `order_id` indexed for the order page; a partial unique index (order_id, kind) over the active
states (queued, sending, unsure) keeps a second request of the same kind from being queued while one is in
flight, on SQLite and PostgreSQL alike; `answer` is JSON (the store's success/errors lists). A new table
only: upgrade and downgrade are plain on both databases.

Revision ID: c91e5d3a7f42
Revises: b4d2f8a61c07
Create Date: 2026-12-07 04:15:00

"""
from alembic import op
import sqlalchemy as sa

from migrations.unreadable_rows import refuse_unreadable

import models.base  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'c91e5d3a7f42'
down_revision = 'b4d2f8a61c07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'store_write',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('shipment_id', sa.Integer(), nullable=True),
        sa.Column('store_shipment_id', sa.BigInteger(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('store_status', sa.String(length=20), nullable=True),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('calls', sa.Integer(), nullable=False),
        sa.Column('answer', sa.JSON(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('finished_at', models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_store_write_account_id_account')),
        sa.ForeignKeyConstraint(['channel_id'], ['sales_channel.id'], name=op.f('fk_store_write_channel_id_sales_channel')),
        sa.ForeignKeyConstraint(['order_id'], ['sales_order.id'], name=op.f('fk_store_write_order_id_sales_order')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_store_write_requested_by_id_user')),
        sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_store_write_shipment_id_shipment')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_store_write')),
    )
    with op.batch_alter_table('store_write', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_store_write_order_id'), ['order_id'], unique=False)
        batch_op.create_index(
            'uq_store_write_active',
            ['order_id', 'kind'],
            unique=True,
            sqlite_where=sa.text("state IN ('queued', 'sending', 'unsure')"),
            postgresql_where=sa.text("state IN ('queued', 'sending', 'unsure')"),
        )


def downgrade():
    # Shipments voided on the store came with store writes.
    refuse_unreadable(
        revision, down_revision,
        {
            ('shipment', 'export_status'): ('voided',),
        },
    )
    with op.batch_alter_table('store_write', schema=None) as batch_op:
        batch_op.drop_index('uq_store_write_active')
        batch_op.drop_index(batch_op.f('ix_store_write_order_id'))
    op.drop_table('store_write')
