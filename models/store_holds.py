"""Store orders techOMS has not imported (yet) that hold store stock.

The store takes an order's units off its count when the order is placed. While techOMS has not imported the
order (its SKU matches no variant, it waits for MOAS approval, its status is one the channel does not import)
the units are in no techOMS allocation, so the inventory export subtracts them by store SKU: otherwise a push
would hand them back to the store to sell again. One row per (order, store SKU), replaced whenever the order
is read again, deleted when it is imported, cancelled or shipped by the store.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.mappings import SKU_LENGTH

REASON_LENGTH = 20


class StoreOrderHold(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id", ondelete="CASCADE"))
    external_order_id: Mapped[int] = mapped_column(BigInteger)
    channel_sku: Mapped[str] = mapped_column(String(SKU_LENGTH))  # final_sku as the store wrote it
    channel_sku_key: Mapped[str] = mapped_column(String(SKU_LENGTH))
    quantity: Mapped[int]
    # The order's store update time when its lines were read: an unchanged order is not fetched again.
    store_updated_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH))  # unmapped, moas_pending, or the store status

    __table_args__ = (
        UniqueConstraint("channel_id", "external_order_id", "channel_sku_key"),
        Index("ix_store_order_hold_channel_sku", "channel_id", "channel_sku_key"),
    )
