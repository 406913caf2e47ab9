"""What techOMS knows of the store's inventory rows, per channel: learnt from `GET /inventories`, kept up to
date by every `batch_update` the Export inventory action sends (sync/export_inventory.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.mappings import SKU_LENGTH


class StoreInventoryRecord(db.Model):
    """One inventory row of the store (one variant of one store product).

    `store_quantity` is what the store holds as far as techOMS knows: the value last read from the store or
    last pushed to it. A delta export pushes the rows whose computed quantity differs from it; a full compare
    reads the store again first. `pushed_quantity` / `pushed_at` say what techOMS itself last sent.
    `store_seen_at` is the store's own clock (its answer's Date header) when it last served or confirmed
    `store_quantity`: a store order placed after it took its units off that figure.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id", ondelete="CASCADE"))
    store_inventory_id: Mapped[int] = mapped_column(BigInteger)  # the row's id: what batch_update needs
    store_product_id: Mapped[int] = mapped_column(BigInteger)  # batch_update goes one call per product
    channel_sku: Mapped[str] = mapped_column(String(SKU_LENGTH))  # final_sku as the store writes it
    channel_sku_key: Mapped[str] = mapped_column(String(SKU_LENGTH))
    store_quantity: Mapped[int]
    pushed_quantity: Mapped[int | None]
    pushed_at: Mapped[datetime | None]
    store_seen_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("channel_id", "store_inventory_id"),
        # The SKU Mappings rows look their records up by channel SKU.
        Index("ix_store_inventory_record_channel_sku", "channel_id", "channel_sku_key"),
    )
