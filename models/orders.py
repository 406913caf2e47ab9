"""Sales orders imported from a channel, their lines and addresses."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import enum_as_string, utcnow
from models.catalog import ProductVariant
from models.channels import SalesChannel

MONEY = Numeric(12, 2)


class OrderStatus(enum.StrEnum):
    DRAFT = "draft"  # imported, waiting for review
    APPROVED = "approved"  # imported, ready to be released
    RELEASED = "released"  # handed to fulfilment: the channel no longer overwrites it
    PARTIALLY_SHIPPED = "partially_shipped"  # some physical quantities shipped, not all
    SHIPPED = "shipped"  # every physical line shipped in full
    CANCELLED = "cancelled"
    # Recorded, nothing to ship: every line is a gift certificate. Becomes work if a physical line appears.
    NOT_FOR_FULFILMENT = "not_for_fulfilment"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Once here, changes on the store no longer overwrite the order (only a cancellation before shipping does).
LOCKED_STATUSES = frozenset(
    {OrderStatus.RELEASED, OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.CANCELLED}
)
# Something has left the warehouse: a cancellation on the store no longer cancels the order here.
SHIPPED_STATUSES = frozenset({OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED})
FULFILMENT_OPEN_SQL = "status IN ('approved', 'released', 'partially_shipped')"
STORE_UPDATE_DUE_SQL = "store_update_due AND store_update_error = ''"


class SalesOrder(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # No single-column indexes: the unique (channel_id, external_id) and (account_id, store_created_at) lead
    # with them, and every extra index is written again by each import update and by the purge.
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"))
    external_id: Mapped[int] = mapped_column(BigInteger)  # the Bright Sites order id
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[OrderStatus] = mapped_column(enum_as_string(OrderStatus))
    store_status: Mapped[str] = mapped_column(String(32))
    store_created_at: Mapped[datetime]
    store_updated_at: Mapped[datetime]
    item_total: Mapped[Decimal] = mapped_column(MONEY)
    shipping_total: Mapped[Decimal] = mapped_column(MONEY)
    tax_total: Mapped[Decimal] = mapped_column(MONEY)
    grand_total: Mapped[Decimal] = mapped_column(MONEY)
    shipping_method: Mapped[str] = mapped_column(String(120), default="")
    carrier_code: Mapped[str | None] = mapped_column(String(32))
    service_code: Mapped[str | None] = mapped_column(String(32))
    # Customer PII: removed by the retention purge; pii_purged_at then keeps re-imports from restoring it.
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_email: Mapped[str | None] = mapped_column(String(254))
    customer_phone: Mapped[str | None] = mapped_column(String(64))
    pii_purged_at: Mapped[datetime | None]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # shipped, cancelled or not for fulfilment: the retention clock starts here
    closed_at: Mapped[datetime | None]
    # The store order is to be updated (status, last shipment's tracking) by the next Export shipments run;
    # an error there (e.g. an unapproved MOAS order) waits for a user's Retry.
    store_update_due: Mapped[bool] = mapped_column(default=False, server_default="0")
    store_update_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    # On hold in techOMS (services/orders/holds.py): not offered to fulfilment and not exported until
    # released; no store call.
    held_at: Mapped[datetime | None]
    hold_reason: Mapped[str] = mapped_column(String(255), default="", server_default="")

    channel: Mapped[SalesChannel] = relationship()
    lines: Mapped[list[SalesOrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="SalesOrderLine.id"
    )
    addresses: Mapped[list[OrderAddress]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderAddress.kind"
    )

    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        # The orders list's order (newest first, id breaking ties): a deep page skips index entries only.
        Index("ix_sales_order_account_created", "account_id", "store_created_at", "id"),
        # Orders imported today per channel (the channel list's and the overview's day figures).
        Index("ix_sales_order_channel_imported", "channel_id", "imported_at"),
        # The retention purge's work list: closed orders not purged yet, oldest first. Purged rows leave it.
        Index(
            "ix_sales_order_pii_due",
            "channel_id",
            "closed_at",
            "id",
            sqlite_where=text("closed_at IS NOT NULL AND pii_purged_at IS NULL"),
            postgresql_where=text("closed_at IS NOT NULL AND pii_purged_at IS NULL"),
        ),
        # The orders search: number, customer name or e-mail containing the text (ILIKE '%…%', which no b-tree
        # serves). PostgreSQL: one trigram GIN index over the three (pg_trgm); elsewhere a plain index.
        Index(
            "ix_sales_order_search_trgm",
            "number",
            "customer_name",
            "customer_email",
            postgresql_using="gin",
            postgresql_ops={
                "number": "gin_trgm_ops",
                "customer_name": "gin_trgm_ops",
                "customer_email": "gin_trgm_ops",
            },
        ),
        # GET /api/v1/orders?fulfilment=ready walks this by id: only orders that may still be shipped.
        Index(
            "ix_sales_order_fulfilment_open",
            "account_id",
            "id",
            sqlite_where=text(FULFILMENT_OPEN_SQL),
            postgresql_where=text(FULFILMENT_OPEN_SQL),
        ),
        # Orders whose store update is due: the shipment export's work list (services/shipments/
        # export_state.py), looked for by the cron each minute. Few at any time: the look reads only them.
        Index(
            "ix_sales_order_store_update_due",
            "channel_id",
            "id",
            sqlite_where=text(STORE_UPDATE_DUE_SQL),
            postgresql_where=text(STORE_UPDATE_DUE_SQL),
        ),
    )

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES


class SalesOrderLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id", ondelete="CASCADE"), index=True)
    external_line_id: Mapped[int] = mapped_column(BigInteger)  # the channel's line id, for shipments
    sku: Mapped[str] = mapped_column(String(100), default="")  # as the store sent it
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variant.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    quantity: Mapped[int]
    # Raised only by a conditional UPDATE (services/shipments/recording.py); the CHECK holds it per order.
    shipped_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    total_price: Mapped[Decimal] = mapped_column(MONEY)
    is_physical: Mapped[bool] = mapped_column(default=True)  # gift certificates are not fulfilled
    # Stock this line holds (services/inventory/allocation.py): how much, of which variant, in which
    # warehouse. The place stays recorded after a release; NULL means the line never held stock.
    allocated_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    allocated_variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variant.id"))
    allocated_warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse.id"))

    order: Mapped[SalesOrder] = relationship(back_populates="lines")
    variant: Mapped[ProductVariant | None] = relationship(foreign_keys=[variant_id])

    __table_args__ = (
        UniqueConstraint("order_id", "external_line_id"),
        CheckConstraint(
            "shipped_quantity >= 0 AND shipped_quantity <= quantity", name="shipped_within_ordered"
        ),
        CheckConstraint("allocated_quantity >= 0", name="allocated_quantity_not_negative"),
        # Lines still waiting for a warehouse (none was mapped when they were imported): a small set.
        Index(
            "ix_sales_order_line_waiting_allocation",
            "order_id",
            sqlite_where=text("is_physical AND variant_id IS NOT NULL AND allocated_warehouse_id IS NULL"),
            postgresql_where=text(
                "is_physical AND variant_id IS NOT NULL AND allocated_warehouse_id IS NULL"
            ),
        ),
    )

    @property
    def remaining_quantity(self) -> int:
        # shipped_quantity is None on a line not yet flushed (its default applies at INSERT)
        return max(self.quantity - (self.shipped_quantity or 0), 0) if self.is_physical else 0


class OrderAddress(db.Model):
    """Shipping or billing address of an order. The retention purge blanks its names, company, street lines,
    e-mail and phone, and keeps city, region, postal code and country for reporting."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up through the unique (order_id, kind), which leads with it: no index of its own.
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # "billing" | "shipping"
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    line1: Mapped[str] = mapped_column(String(255), default="")
    line2: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(32), default="")
    subdivision: Mapped[str] = mapped_column(String(100), default="")
    subdivision_code: Mapped[str | None] = mapped_column(String(10))
    country: Mapped[str] = mapped_column(String(100), default="")
    country_code: Mapped[str | None] = mapped_column(String(2))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")

    order: Mapped[SalesOrder] = relationship(back_populates="addresses")

    __table_args__ = (UniqueConstraint("order_id", "kind"),)
