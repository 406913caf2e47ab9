"""Warehouses, carriers, products, variants and stock levels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from extensions import db
from models.base import utcnow
from models.natural_order import natural_sort_key, sort_key_type
from models.tenancy import Account, Organization, User

account_warehouse = Table(
    "account_warehouse",
    db.Model.metadata,
    Column("account_id", ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    Column("warehouse_id", ForeignKey("warehouse.id", ondelete="CASCADE"), primary_key=True),
)


def sku_key(sku: str) -> str:
    """The comparison form of a SKU: SKUs match ignoring case and surrounding spaces."""
    return sku.strip().casefold()


class Warehouse(db.Model):
    """Defined for the organization; an account publishes stock only from the warehouses enabled for it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    accounts: Mapped[list[Account]] = relationship(secondary=account_warehouse)

    __table_args__ = (UniqueConstraint("organization_id", "code"),)


class Carrier(db.Model):
    """A techOMS carrier system code (e.g. UPS); system-wide reference data."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    services: Mapped[list[CarrierService]] = relationship(
        back_populates="carrier", order_by="CarrierService.code", cascade="all, delete-orphan"
    )


class CarrierService(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carrier.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))

    carrier: Mapped[Carrier] = relationship(back_populates="services")

    __table_args__ = (UniqueConstraint("carrier_id", "code"),)


class Product(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    name: Mapped[str] = mapped_column(String(200))
    # Natural order of the name ("Tee 2" before "Tee 10"), kept by `_name_changed` on every assignment.
    name_sort_key: Mapped[str] = mapped_column(sort_key_type())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship()
    variants: Mapped[list[ProductVariant]] = relationship(
        back_populates="product",
        order_by="(ProductVariant.sku_sort_key, ProductVariant.id)",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        # The products list pages through an account's products in this order.
        Index("ix_product_account_name_order", "account_id", "name_sort_key", "id"),
        # The products search (name containing the text: ILIKE '%…%', which no b-tree serves). PostgreSQL:
        # a trigram GIN index (pg_trgm); elsewhere a plain index.
        Index(
            "ix_product_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}
        ),
    )

    @validates("name")
    def _name_changed(self, _key: str, name: str) -> str:
        self.name_sort_key = natural_sort_key(name)
        return name


class ProductVariant(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    # Denormalised from the product so uniqueness per account is a database constraint.
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    sku: Mapped[str] = mapped_column(String(100))
    sku_key: Mapped[str] = mapped_column(String(100))
    # Natural order of the SKU ("SKU-2" before "SKU-10"), kept by `_sku_changed` on every assignment.
    sku_sort_key: Mapped[str] = mapped_column(sort_key_type())
    title: Mapped[str] = mapped_column(String(200), default="")
    weight_g: Mapped[int | None]
    length_mm: Mapped[int | None]
    width_mm: Mapped[int | None]
    height_mm: Mapped[int | None]

    product: Mapped[Product] = relationship(back_populates="variants")
    account: Mapped[Account] = relationship()
    inventory_levels: Mapped[list[InventoryLevel]] = relationship(back_populates="variant")

    __table_args__ = (
        UniqueConstraint("account_id", "sku_key"),
        # A product's variants and the SKU picker read variants in this order.
        Index("ix_product_variant_product_sku_order", "product_id", "sku_sort_key"),
        # The products search by SKU (sku_key LIKE '%…%'): trigrams on PostgreSQL, as the product's name.
        Index(
            "ix_product_variant_sku_key_trgm",
            "sku_key",
            postgresql_using="gin",
            postgresql_ops={"sku_key": "gin_trgm_ops"},
        ),
    )

    def set_sku(self, sku: str) -> None:
        self.sku = sku.strip()
        self.sku_key = sku_key(sku)

    @validates("sku")
    def _sku_changed(self, _key: str, sku: str) -> str:
        self.sku_sort_key = natural_sort_key(sku)
        return sku


class InventoryLevel(db.Model):
    """Stock of one variant in one warehouse. Changing it is how techOMS receives stock updates."""

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variant.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    allocated: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    variant: Mapped[ProductVariant] = relationship(back_populates="inventory_levels")
    warehouse: Mapped[Warehouse] = relationship()

    __table_args__ = (
        UniqueConstraint("variant_id", "warehouse_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("allocated >= 0", name="allocated_not_negative"),
    )

    @property
    def available(self) -> int:
        return max(self.on_hand - self.allocated, 0)


class StockAdjustment(db.Model):
    """Who set which stock figures, when: the history behind an InventoryLevel."""

    id: Mapped[int] = mapped_column(primary_key=True)
    inventory_level_id: Mapped[int] = mapped_column(ForeignKey("inventory_level.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    on_hand_before: Mapped[int]
    on_hand_after: Mapped[int]
    allocated_before: Mapped[int]
    allocated_after: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    inventory_level: Mapped[InventoryLevel] = relationship()
    user: Mapped[User | None] = relationship()
