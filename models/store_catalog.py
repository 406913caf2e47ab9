"""The store's catalog as Import products last read it: each store product (its listing's `updated_at`, so
only new or changed products are shown again) and each of its variants with the techOMS variant it is linked
to, or none yet (a proposed SKU mapping waits for a person)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import utcnow
from models.catalog import Product, ProductVariant

SKU_LENGTH = 100
MEASURE_LENGTH = 32


class StoreProduct(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id", ondelete="CASCADE"))
    external_id: Mapped[int] = mapped_column(BigInteger)  # the store's product id
    sku: Mapped[str] = mapped_column(String(SKU_LENGTH), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    # The listing's updated_at as sent: compared as text, so a store's own format never needs parsing.
    store_updated_at: Mapped[str] = mapped_column(String(40), default="")
    # The store's measures as sent (decimal strings, the channel's units), shown beside techOMS's.
    weight: Mapped[str | None] = mapped_column(String(MEASURE_LENGTH))
    length: Mapped[str | None] = mapped_column(String(MEASURE_LENGTH))
    width: Mapped[str | None] = mapped_column(String(MEASURE_LENGTH))
    height: Mapped[str | None] = mapped_column(String(MEASURE_LENGTH))
    # The techOMS product this import created for it, or the one its linked variants belong to.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"), index=True)
    skipped_reason: Mapped[str] = mapped_column(String(200), default="")
    gone_at: Mapped[datetime | None]  # the last full listing no longer had it
    read_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product | None] = relationship()
    variants: Mapped[list[StoreProductVariant]] = relationship(
        back_populates="store_product", cascade="all, delete-orphan", order_by="StoreProductVariant.id"
    )

    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)


class StoreProductVariant(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    store_product_id: Mapped[int] = mapped_column(
        ForeignKey("store_product.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id", ondelete="CASCADE"), index=True)
    final_sku: Mapped[str] = mapped_column(String(SKU_LENGTH))
    sku_key: Mapped[str] = mapped_column(String(SKU_LENGTH))
    title: Mapped[str] = mapped_column(String(200), default="")
    # None: not in techOMS yet (a proposed mapping to confirm, or a SKU several techOMS SKUs fit).
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_variant.id", ondelete="SET NULL"), index=True
    )

    store_product: Mapped[StoreProduct] = relationship(back_populates="variants")
    variant: Mapped[ProductVariant | None] = relationship()

    __table_args__ = (UniqueConstraint("store_product_id", "sku_key"),)
