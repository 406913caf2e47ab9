"""What a channel may publish per variant.

available = Σ over the channel's mapped warehouses of (on hand − allocated), minus the channel's safety
buffer, clamped to [0, maximum to publish]; at or below the channel's sold-out threshold it is 0. The sum is
taken before clamping: stock held beyond what one warehouse has on hand (a back order) is subtracted from what
the others offer, so the store never shows more than techOMS can ship.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from extensions import db
from models.catalog import InventoryLevel
from models.channels import SalesChannel
from services.mappings.resolvers import mapped_warehouse_ids


def publishable(raw: int, buffer: int, maximum: int | None, sold_out_at: int = 0) -> int:
    """The quantity to publish for a variant whose mapped warehouses offer `raw` (possibly negative)."""
    quantity = max(raw - (buffer or 0), 0)
    if quantity <= (sold_out_at or 0):
        return 0  # sold out stays sold out: the last few units are not offered
    return min(quantity, maximum) if maximum is not None else quantity


def warehouse_totals(channel: SalesChannel, variant_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Σ (on hand − allocated) over the channel's mapped warehouses, per variant that has any level there.

    One aggregate query; with `variant_ids` only those variants (in chunks that stay within every backend's
    parameter limit)."""
    warehouses = mapped_warehouse_ids(channel)
    if not warehouses:
        return {}
    statement = (
        select(InventoryLevel.variant_id, func.sum(InventoryLevel.on_hand - InventoryLevel.allocated))
        .where(InventoryLevel.warehouse_id.in_(warehouses))
        .group_by(InventoryLevel.variant_id)
    )
    if variant_ids is None:
        return {variant: int(total or 0) for variant, total in db.session.execute(statement)}
    wanted = sorted(set(variant_ids))
    totals: dict[int, int] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        rows = db.session.execute(statement.where(InventoryLevel.variant_id.in_(chunk)))
        totals.update((variant, int(total or 0)) for variant, total in rows)
    return totals


def available_by_variant(channel: SalesChannel, variant_ids: Iterable[int]) -> dict[int, int]:
    """The quantity to publish for each of `variant_ids` (0 for a variant without stock in the mapped
    warehouses, and for every variant when no warehouse is mapped)."""
    wanted = set(variant_ids)
    totals = warehouse_totals(channel, wanted if len(wanted) <= 5_000 else None)
    buffer, maximum, sold_out = channel.inventory_buffer, channel.inventory_max, channel.inventory_sold_out_at
    return {variant: publishable(totals.get(variant, 0), buffer, maximum, sold_out) for variant in wanted}
