"""Shipments the store made itself (read with the order on import): `shipment.origin` ("techoms" for every
existing row, "store" for those), `shipment.store_shipping_method` (the store's method name, as sent), and
`shipment.carrier_service_id` nullable (a store shipment whose method maps to no carrier service has none).

Reviewed: two added columns (origin NOT NULL with a server default, so existing rows read "techoms"), one
column made nullable; no index change (the export's work list stays on channel_id, export_status). Batch
mode on SQLite (table copy), plain ALTERs on PostgreSQL. Downgrade deletes the store's shipments that have
no carrier service (they are read again from the store by the next import) before the column becomes NOT
NULL again, then drops the two columns.

Revision ID: a7c3e1f09b21
Revises: a3e4d1759c13
Create Date: 2026-12-07 04:00:00

"""
from alembic import op
import sqlalchemy as sa

from migrations.unreadable_rows import refuse_unreadable


# revision identifiers, used by Alembic.
revision = 'a7c3e1f09b21'
down_revision = 'a3e4d1759c13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('origin', sa.String(length=20), server_default='techoms', nullable=False)
        )
        batch_op.add_column(sa.Column('store_shipping_method', sa.String(length=120), nullable=True))
        batch_op.alter_column('carrier_service_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # A shipment held back because its order was cancelled on the store came with store shipments.
    refuse_unreadable(
        revision, down_revision,
        {
            ('shipment', 'export_problem'): ('order_cancelled',),
        },
    )
    op.execute(
        "DELETE FROM shipment_line WHERE shipment_id IN "
        "(SELECT id FROM shipment WHERE carrier_service_id IS NULL)"
    )
    op.execute("DELETE FROM shipment WHERE carrier_service_id IS NULL")
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.alter_column('carrier_service_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('store_shipping_method')
        batch_op.drop_column('origin')
