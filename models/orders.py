"""Sales orders imported from a channel, their lines and addresses."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import utcnow
from models.catalog import ProductVariant
from models.channels import SalesChannel

MONEY = Numeric(12, 2)


class OrderStatus(enum.StrEnum):
    DRAFT = "draft"  # imported, waiting for review
    APPROVED = "approved"  # imported, ready to be released
    RELEASED = "released"  # handed to fulfilment: the channel no longer overwrites it
    SHIPPED = "shipped"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Once here, changes on the store no longer overwrite the order (only a cancellation before shipping does).
LOCKED_STATUSES = frozenset({OrderStatus.RELEASED, OrderStatus.SHIPPED, OrderStatus.CANCELLED})


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


class SalesOrder(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id"), index=True)
    external_id: Mapped[int] = mapped_column(BigInteger)  # the Bright Sites order id
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
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
    closed_at: Mapped[datetime | None]  # shipped or cancelled: the retention clock starts here

    channel: Mapped[SalesChannel] = relationship()
    lines: Mapped[list[SalesOrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="SalesOrderLine.id"
    )
    addresses: Mapped[list[OrderAddress]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderAddress.kind"
    )

    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_sales_order_account_created", "account_id", "store_created_at"),
        # The retention purge's work list: closed orders not purged yet, oldest first. Purged rows leave it.
        Index(
            "ix_sales_order_pii_due",
            "channel_id",
            "closed_at",
            "id",
            sqlite_where=text("closed_at IS NOT NULL AND pii_purged_at IS NULL"),
            postgresql_where=text("closed_at IS NOT NULL AND pii_purged_at IS NULL"),
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
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    total_price: Mapped[Decimal] = mapped_column(MONEY)
    is_physical: Mapped[bool] = mapped_column(default=True)  # gift certificates are not fulfilled

    order: Mapped[SalesOrder] = relationship(back_populates="lines")
    variant: Mapped[ProductVariant | None] = relationship()

    __table_args__ = (UniqueConstraint("order_id", "external_line_id"),)


class OrderAddress(db.Model):
    """Shipping or billing address of an order. The retention purge blanks its names, company, street lines,
    e-mail and phone, and keeps city, region, postal code and country for reporting."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id", ondelete="CASCADE"), index=True)
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
