"""Store orders techOMS has not imported that hold store stock (StoreOrderHold): recorded from an order's
lines, released when the order is imported, cancelled or leaves the statuses that hold stock, and summed by
store SKU for the inventory export. Nothing here commits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, insert, select

from connectors.brightsites import translate
from extensions import db
from models.catalog import sku_key
from models.mappings import SKU_LENGTH
from models.store_holds import REASON_LENGTH, StoreOrderHold
from services.inventory import publish_queue, store_records

# A store order in one of these statuses has left (or never took) the store's stock for good: no hold.
RELEASED_STATUSES = frozenset({"canceled", "shipped", "completed"})
_CHUNK = 500


def hold(channel_id: int, record: translate.OrderRecord, reason: str) -> None:
    """The order's physical lines hold store stock (replacing what was held for it before)."""
    held_before = release(channel_id, [record.external_id])
    if record.status in RELEASED_STATUSES:
        return
    quantities, names = store_quantities(record)
    if not quantities:
        return
    if not held_before:
        store_records.sold_on_store(channel_id, quantities, record.created_at)
    publish_queue.channel_changed(channel_id)
    db.session.execute(
        insert(StoreOrderHold),
        [
            {
                "channel_id": channel_id,
                "external_order_id": record.external_id,
                "channel_sku": names[key],
                "channel_sku_key": key,
                "quantity": quantity,
                "store_updated_at": record.updated_at,
                "reason": reason[:REASON_LENGTH],
            }
            for key, quantity in quantities.items()
        ],
    )


def store_quantities(record: translate.OrderRecord) -> tuple[Counter[str], dict[str, str]]:
    """The order's physical units by store SKU key, and each key's SKU as the store wrote it."""
    quantities: Counter[str] = Counter()
    names: dict[str, str] = {}
    for line in record.physical_lines:
        if line.sku and line.quantity > 0:
            key = sku_key(line.sku)[:SKU_LENGTH]
            quantities[key] += line.quantity
            names.setdefault(key, line.sku[:SKU_LENGTH])
    return quantities, names


def release(channel_id: int, external_ids: Iterable[int]) -> int:
    """Deletes the orders' holds; returns how many rows went."""
    ids = sorted(set(external_ids))
    removed = 0
    for start in range(0, len(ids), _CHUNK):
        removed += db.session.execute(
            delete(StoreOrderHold).where(
                StoreOrderHold.channel_id == channel_id,
                StoreOrderHold.external_order_id.in_(ids[start : start + _CHUNK]),
            )
        ).rowcount
    if removed:
        publish_queue.channel_changed(channel_id)
    return removed


def versions(channel_id: int, external_ids: Iterable[int]) -> dict[int, datetime]:
    """The store update time each held order had when its lines were read."""
    ids = sorted(set(external_ids))
    found: dict[int, datetime] = {}
    for start in range(0, len(ids), _CHUNK):
        statement = (
            select(StoreOrderHold.external_order_id, func.max(StoreOrderHold.store_updated_at))
            .where(
                StoreOrderHold.channel_id == channel_id,
                StoreOrderHold.external_order_id.in_(ids[start : start + _CHUNK]),
            )
            .group_by(StoreOrderHold.external_order_id)
        )
        found.update({int(oid): at for oid, at in db.session.execute(statement)})
    return found


def held_by_sku(channel_id: int) -> dict[str, int]:
    """Units held by unimported store orders, by store SKU key."""
    statement = (
        select(StoreOrderHold.channel_sku_key, func.sum(StoreOrderHold.quantity))
        .where(StoreOrderHold.channel_id == channel_id)
        .group_by(StoreOrderHold.channel_sku_key)
    )
    return {key: int(total or 0) for key, total in db.session.execute(statement)}
