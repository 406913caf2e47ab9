"""A channel's mappings between its store's codes and techOMS: warehouses, carriers and SKUs.

Keys (`*_key` columns) hold the comparison form of a code, so uniqueness and lookups ignore case and
surrounding spaces (carrier codes also ignore repeated inner spaces). The texts as typed are kept beside them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from extensions import db
from models.base import utcnow
from models.catalog import CarrierService, ProductVariant, Warehouse
from models.natural_order import natural_sort_key, sort_key_type

CODE_LENGTH = 120
SKU_LENGTH = 100
IDENTIFIER_LENGTH = 64


def carrier_key(code: str | None) -> str:
    """The comparison form of a carrier or service channel code: case-folded, spaces collapsed."""
    return " ".join((code or "").split()).casefold()


class WarehouseMapping(db.Model):
    """A techOMS warehouse whose stock the channel publishes, with its identifier on the store's side."""

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id", ondelete="CASCADE"), index=True)
    external_identifier: Mapped[str] = mapped_column(String(IDENTIFIER_LENGTH))
    # Whether the store sells this warehouse's stock (its on hand counts in what is published).
    sells_from: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    # Where the channel's imported orders hold their stock; none marked: the first mapped that sells.
    is_primary: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    warehouse: Mapped[Warehouse] = relationship()

    __table_args__ = (UniqueConstraint("channel_id", "warehouse_id"),)


class CarrierMapping(db.Model):
    """A store shipping method (optionally with a service) ↔ a techOMS carrier service.

    `carrier_channel_code` may hold `*` wildcards. Of the rows pointing to one carrier service, exactly one
    exact (wildcard-free) row is primary: the one used to translate techOMS → channel.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id", ondelete="CASCADE"))
    carrier_channel_code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    carrier_channel_key: Mapped[str] = mapped_column(String(CODE_LENGTH))
    service_channel_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    # "" when there is no service code: NULLs would not take part in the unique constraint.
    service_channel_key: Mapped[str] = mapped_column(String(CODE_LENGTH), default="")
    carrier_service_id: Mapped[int] = mapped_column(ForeignKey("carrier_service.id"), index=True)
    is_primary: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    carrier_service: Mapped[CarrierService] = relationship()

    __table_args__ = (
        UniqueConstraint("channel_id", "carrier_channel_key", "service_channel_key"),
        Index(
            "uq_carrier_mapping_one_primary",
            "channel_id",
            "carrier_service_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )

    def set_codes(self, carrier_code: str, service_code: str | None) -> None:
        self.carrier_channel_code = " ".join(carrier_code.split())
        service = " ".join((service_code or "").split())
        self.service_channel_code = service or None
        self.carrier_channel_key = carrier_key(carrier_code)
        self.service_channel_key = carrier_key(service)

    @property
    def is_wildcard(self) -> bool:
        return "*" in self.carrier_channel_key or "*" in self.service_channel_key


class SkuMapping(db.Model):
    """A SKU as the store writes it ↔ a product variant of the channel's account.

    The unique index on (channel_id, channel_sku_key) also serves the list's count and its prefix search;
    the list's natural order reads (channel_id, channel_sku_sort_key).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channel.id", ondelete="CASCADE"))
    channel_sku: Mapped[str] = mapped_column(String(SKU_LENGTH))
    channel_sku_key: Mapped[str] = mapped_column(String(SKU_LENGTH))
    # Natural order of the channel SKU, kept by `_channel_sku_changed`; bulk inserts write it themselves.
    channel_sku_sort_key: Mapped[str] = mapped_column(sort_key_type())
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variant.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    variant: Mapped[ProductVariant] = relationship()

    __table_args__ = (
        UniqueConstraint("channel_id", "channel_sku_key"),
        # Search by techOMS SKU (variant ids, then this channel) and the variant's foreign key.
        Index("ix_sku_mapping_variant_id_channel_id", "variant_id", "channel_id"),
        Index("ix_sku_mapping_channel_sku_order", "channel_id", "channel_sku_sort_key", "id"),
    )

    @validates("channel_sku")
    def _channel_sku_changed(self, _key: str, channel_sku: str) -> str:
        self.channel_sku_sort_key = natural_sort_key(channel_sku)
        return channel_sku
