"""The records of the store's inventory rows (StoreInventoryRecord) in bulk: load a channel's, save what a
listing taught, note confirmed pushes, forget rows the store no longer lists; and what the SKU Mappings rows
show of them. Set-based statements keyed by (channel, store inventory id); nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, delete, func, insert, or_, select

from extensions import db
from models.activity import SyncAction
from models.catalog import sku_key
from models.channels import SalesChannel
from models.inventory_sync import StoreInventoryRecord
from models.mappings import SKU_LENGTH
from services import watermarks

_records = StoreInventoryRecord.__table__
_CHUNK = 1_000
# An order the store took this long after techOMS's last push of the row: the store's count already went
# down after that push. Closer to it (or before) the push may have overwritten the store's own decrement, so
# the record is left alone and the next delta re-sends the figure (clocks of store and techOMS may differ).
SOLD_AFTER_PUSH_MARGIN = timedelta(seconds=60)


@dataclass
class StoreRow:
    """A store inventory row as techOMS knows it."""

    inventory_id: int
    product_id: int
    sku: str
    quantity: int  # what the store holds, as last read or pushed


@dataclass(frozen=True)
class LastPush:
    quantity: int
    at: datetime


def known_rows(channel_id: int) -> dict[int, StoreRow]:
    """Every record of the channel, by store inventory id, in one query."""
    statement = select(
        _records.c.store_inventory_id,
        _records.c.store_product_id,
        _records.c.channel_sku,
        _records.c.store_quantity,
    ).where(_records.c.channel_id == channel_id)
    return {row[0]: StoreRow(*row) for row in db.session.execute(statement)}


def save(channel_id: int, new: list[StoreRow], changed: list[StoreRow]) -> None:
    """Insert the rows seen for the first time; update those whose product, SKU or quantity moved."""
    if new:
        db.session.execute(
            insert(_records),
            [
                {
                    "channel_id": channel_id,
                    "store_inventory_id": row.inventory_id,
                    "store_product_id": row.product_id,
                    "channel_sku": row.sku,
                    "channel_sku_key": _key(row.sku),
                    "store_quantity": row.quantity,
                }
                for row in new
            ],
        )
    if changed:
        db.session.execute(
            _records.update()
            .where(_records.c.channel_id == channel_id, _records.c.store_inventory_id == bindparam("row_id"))
            .values(
                store_product_id=bindparam("product_id"),
                channel_sku=bindparam("sku"),
                channel_sku_key=bindparam("key"),
                store_quantity=bindparam("quantity"),
            ),
            [
                {
                    "row_id": row.inventory_id,
                    "product_id": row.product_id,
                    "sku": row.sku,
                    "key": _key(row.sku),
                    "quantity": row.quantity,
                }
                for row in changed
            ],
        )


def note_pushes(channel_id: int, pushes: list[tuple[StoreRow, int, datetime]]) -> None:
    """The store confirmed these rows: (row with the quantity it now holds, quantity pushed, when)."""
    if not pushes:
        return
    db.session.execute(
        _records.update()
        .where(_records.c.channel_id == channel_id, _records.c.store_inventory_id == bindparam("row_id"))
        .values(
            store_quantity=bindparam("quantity"),
            pushed_quantity=bindparam("pushed"),
            pushed_at=bindparam("at"),
        ),
        [
            {"row_id": row.inventory_id, "quantity": row.quantity, "pushed": pushed, "at": at}
            for row, pushed, at in pushes
        ],
    )


def sold_on_store(channel_id: int, quantities: dict[str, int], placed_at: datetime) -> None:
    """A store order first known to techOMS (imported, or held) took these units (by SKU key) off the store's
    count when it was placed: the records follow, so the next delta does not re-send the figures the store
    already shows (and pays a catch-up listing for them). Only rows pushed well before the order: see
    SOLD_AFTER_PUSH_MARGIN. Never below 0."""
    for key, quantity in quantities.items():
        if quantity <= 0:
            continue
        db.session.execute(
            _records.update()
            .where(
                _records.c.channel_id == channel_id,
                _records.c.channel_sku_key == key,
                or_(
                    _records.c.pushed_at.is_(None),
                    _records.c.pushed_at < placed_at - SOLD_AFTER_PUSH_MARGIN,
                ),
            )
            .values(
                store_quantity=case(
                    (_records.c.store_quantity > quantity, _records.c.store_quantity - quantity), else_=0
                )
            )
        )


def forget(channel_id: int, inventory_ids: Iterable[int]) -> None:
    ids = sorted(inventory_ids)
    for start in range(0, len(ids), _CHUNK):
        db.session.execute(
            delete(_records).where(
                _records.c.channel_id == channel_id,
                _records.c.store_inventory_id.in_(ids[start : start + _CHUNK]),
            )
        )


def last_pushes(channel_id: int, sku_keys: Iterable[str]) -> dict[str, LastPush]:
    """For the SKU Mappings rows: each channel SKU's last pushed quantity and when (the latest row's, when the
    store has several rows with one SKU). One query."""
    keys = sorted(set(sku_keys))
    if not keys:
        return {}
    latest = (
        select(_records.c.channel_sku_key, func.max(_records.c.pushed_at).label("at"))
        .where(
            _records.c.channel_id == channel_id,
            _records.c.channel_sku_key.in_(keys),
            _records.c.pushed_at.is_not(None),
        )
        .group_by(_records.c.channel_sku_key)
        .subquery()
    )
    rows = db.session.execute(
        select(StoreInventoryRecord.channel_sku_key, StoreInventoryRecord.pushed_quantity, latest.c.at)
        .join(
            latest,
            (StoreInventoryRecord.channel_sku_key == latest.c.channel_sku_key)
            & (StoreInventoryRecord.pushed_at == latest.c.at),
        )
        .where(StoreInventoryRecord.channel_id == channel_id)
    )
    return {key: LastPush(quantity, at) for key, quantity, at in rows}


def last_full_compare(channel: SalesChannel) -> datetime | None:
    """When the channel's store inventory was last read in full (the start of that read)."""
    return watermarks.value(channel, SyncAction.EXPORT_INVENTORY)


def remember_full_compare(channel: SalesChannel, started: datetime) -> None:
    watermarks.advance(channel, SyncAction.EXPORT_INVENTORY, started)


def _key(sku: str) -> str:
    return sku_key(sku)[:SKU_LENGTH]
