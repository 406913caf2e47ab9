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
from models.activity import FailureCause, PendingOrder
from models.catalog import sku_key
from models.channels import SalesChannel
from models.mappings import SKU_LENGTH
from models.orders import SalesOrder
from models.store_holds import REASON_LENGTH, StoreOrderHold
from services.inventory import publish_queue, store_records

# A store order in one of these statuses has left (or never took) the store's stock for good: no hold.
RELEASED_STATUSES = frozenset({"canceled", "shipped", "completed"})
# The marker row of an order the listing showed but whose lines the store did not serve (its detail call
# failed): it holds an unknown number of units, so the export publishes nothing that could exceed what can
# ship while one exists (sync/export_inventory.py), and the detail is read again by every import.
UNREAD = ""
UNREAD_REASON = "unread"
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


def hold_unread(channel_id: int, external_id: int, listed_at: datetime) -> None:
    """The listing showed this order (still holding store stock) but its lines could not be read: kept as
    unread until they are, so the hold is not lost (a hold already recorded for it stays as it was)."""
    if versions(channel_id, [external_id]) or external_id in unread_orders(channel_id):
        return
    publish_queue.channel_changed(channel_id)
    db.session.add(
        StoreOrderHold(
            channel_id=channel_id,
            external_order_id=external_id,
            channel_sku=UNREAD,
            channel_sku_key=UNREAD,
            quantity=0,
            store_updated_at=listed_at,
            reason=UNREAD_REASON,
        )
    )


def unread_orders(channel_id: int) -> list[int]:
    """The channel's store orders whose lines are not known yet (their detail call failed)."""
    return list(
        db.session.scalars(
            select(StoreOrderHold.external_order_id)
            .where(StoreOrderHold.channel_id == channel_id, StoreOrderHold.channel_sku_key == UNREAD)
            .order_by(StoreOrderHold.external_order_id)
        )
    )


def unsure_orders(account_id: int) -> int:
    """Store orders of the account's channels that took store stock techOMS cannot count yet: held unread,
    or failed to import because the store did not serve their detail (and not imported before)."""
    channels = select(SalesChannel.id).where(
        SalesChannel.account_id == account_id, SalesChannel.deleted_at.is_(None)
    )
    unread = db.session.scalar(
        select(func.count())
        .select_from(StoreOrderHold)
        .where(StoreOrderHold.channel_id.in_(channels), StoreOrderHold.channel_sku_key == UNREAD)
    )
    unfetched = db.session.scalar(
        select(func.count())
        .select_from(PendingOrder)
        .where(
            PendingOrder.channel_id.in_(channels),
            PendingOrder.cause == FailureCause.STORE_ERROR,
            ~select(SalesOrder.id)
            .where(
                SalesOrder.channel_id == PendingOrder.channel_id,
                SalesOrder.external_id == PendingOrder.external_id,
            )
            .exists(),
        )
    )
    return int(unread or 0) + int(unfetched or 0)


def versions(channel_id: int, external_ids: Iterable[int]) -> dict[int, datetime]:
    """The store update time each held order had when its lines were read (unread ones are left out: their
    lines are still to be read)."""
    ids = sorted(set(external_ids))
    found: dict[int, datetime] = {}
    for start in range(0, len(ids), _CHUNK):
        statement = (
            select(StoreOrderHold.external_order_id, func.max(StoreOrderHold.store_updated_at))
            .where(
                StoreOrderHold.channel_id == channel_id,
                StoreOrderHold.external_order_id.in_(ids[start : start + _CHUNK]),
                StoreOrderHold.channel_sku_key != UNREAD,
            )
            .group_by(StoreOrderHold.external_order_id)
        )
        found.update({int(oid): at for oid, at in db.session.execute(statement)})
    return found


def held_by_sku(channel_id: int) -> dict[str, int]:
    """Units held by unimported store orders, by store SKU key."""
    statement = (
        select(StoreOrderHold.channel_sku_key, func.sum(StoreOrderHold.quantity))
        .where(StoreOrderHold.channel_id == channel_id, StoreOrderHold.channel_sku_key != UNREAD)
        .group_by(StoreOrderHold.channel_sku_key)
    )
    return {key: int(total or 0) for key, total in db.session.execute(statement)}
