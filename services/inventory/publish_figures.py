"""The figure techOMS publishes for each store SKU of a channel, and its parts (the export pushes it, the
Stock tab explains it):

    available = Σ mapped warehouses (on hand − allocated)
                − units held by this store's orders techOMS has not imported (by store SKU)
                − units held by the account's other stores' unimported orders of the same variant
    published = available − buffer, clamped to [0, cap], and 0 at or below the sold-out threshold.

A store SKU that resolves to no variant publishes nothing (the export leaves it alone).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from extensions import db
from models.catalog import InventoryLevel, sku_key
from models.channels import SalesChannel
from models.store_holds import StoreOrderHold
from services.inventory import store_holds
from services.inventory.availability import publishable
from services.inventory.store_holds import held_by_sku
from services.mappings.resolvers import SkuResolver, mapped_warehouse_ids

_CHUNK = 1_000


@dataclass(frozen=True)
class Figure:
    variant_id: int
    on_hand: int
    allocated: int
    held_here: int
    held_elsewhere: int
    buffer: int
    cap: int | None
    sold_out_at: int

    @property
    def held(self) -> int:
        return self.held_here + self.held_elsewhere

    @property
    def published(self) -> int:
        raw = self.on_hand - self.allocated - self.held
        return publishable(raw, self.buffer, self.cap, self.sold_out_at)


def figures(channel: SalesChannel, variant_of: dict[str, int]) -> dict[str, Figure]:
    """For each store SKU that resolves (`variant_of`: store SKU → variant id), its figure."""
    variants = set(variant_of.values())
    levels = _levels(channel, variants)
    here = held_by_sku(channel.id)
    elsewhere = held_elsewhere(channel)
    return {
        sku: Figure(
            variant_id=variant,
            on_hand=levels.get(variant, (0, 0))[0],
            allocated=levels.get(variant, (0, 0))[1],
            held_here=here.get(sku_key(sku), 0),
            held_elsewhere=elsewhere.get(variant, 0),
            buffer=channel.inventory_buffer or 0,
            cap=channel.inventory_max,
            sold_out_at=channel.inventory_sold_out_at or 0,
        )
        for sku, variant in variant_of.items()
    }


def _levels(channel: SalesChannel, variants: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Σ on hand and Σ allocated over the channel's mapped warehouses, per variant."""
    warehouses = mapped_warehouse_ids(channel)
    wanted = sorted(set(variants))
    if not warehouses or not wanted:
        return {}
    statement = (
        select(
            InventoryLevel.variant_id, func.sum(InventoryLevel.on_hand), func.sum(InventoryLevel.allocated)
        )
        .where(InventoryLevel.warehouse_id.in_(warehouses))
        .group_by(InventoryLevel.variant_id)
    )
    found: dict[int, tuple[int, int]] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = db.session.execute(
            statement.where(InventoryLevel.variant_id.in_(wanted[start : start + _CHUNK]))
        )
        found.update(
            (variant, (int(on_hand or 0), int(allocated or 0))) for variant, on_hand, allocated in rows
        )
    return found


def held_elsewhere(channel: SalesChannel) -> Counter[int]:
    """Units held by unimported orders of the account's other channels, per variant their SKUs resolve to."""
    rows = db.session.execute(
        select(StoreOrderHold.channel_id, StoreOrderHold.channel_sku, func.sum(StoreOrderHold.quantity))
        .join(SalesChannel, SalesChannel.id == StoreOrderHold.channel_id)
        .where(
            SalesChannel.account_id == channel.account_id,
            SalesChannel.id != channel.id,
            SalesChannel.deleted_at.is_(None),
            StoreOrderHold.channel_sku_key != store_holds.UNREAD,
        )
        .group_by(StoreOrderHold.channel_id, StoreOrderHold.channel_sku)
    ).all()
    by_channel: dict[int, Counter[str]] = {}
    for channel_id, sku, quantity in rows:
        by_channel.setdefault(channel_id, Counter())[sku] += int(quantity or 0)
    totals: Counter[int] = Counter()
    for channel_id, held in by_channel.items():
        other = db.session.get(SalesChannel, channel_id)
        for sku, variant in SkuResolver(other).resolve_many(held).items():
            totals[variant] += held[sku]
    return totals
