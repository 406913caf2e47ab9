"""The records of the store's inventory rows (StoreInventoryRecord) in bulk: load a channel's, save what a
listing taught, note confirmed pushes, forget rows the store no longer lists; and what the SKU Mappings rows
show of them. Set-based statements keyed by (channel, store inventory id); nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, delete, func, insert, or_, select

from extensions import db
from models.activity import SyncAction
from models.catalog import sku_key
from models.channels import SalesChannel
from models.inventory_sync import StoreInventoryRecord
from models.mappings import SKU_LENGTH
from services import watermarks

_records = StoreInventoryRecord.__table__
_CHUNK = 1_000
# A store order placed this long after the store served or confirmed a row's figure (the store's own clock:
# its Date header, whole seconds, so up to 1 s early, and a second for its servers' drift) came after that
# figure: the store's count went down from it. Closer (or before), a push may have overwritten the store's own
# decrement, so the record is left alone and the next delta re-sends the figure: a call, never an oversell.
SOLD_AFTER_STORE_ANSWER_MARGIN = timedelta(seconds=2)
# Without the store's clock (an answer without a Date header): techOMS's clock against the store's, which may
# differ, so a wide margin.
SOLD_AFTER_PUSH_MARGIN = timedelta(seconds=60)


@dataclass
class StoreRow:
    """A store inventory row as techOMS knows it."""

    inventory_id: int
    product_id: int
    sku: str
    quantity: int  # what the store holds, as last read or pushed


@dataclass(frozen=True)
class ConfirmedPush:
    """The store confirmed a row: `row` holds the quantity it now has; `pushed` what techOMS sent, `at` when
    (techOMS's clock), `store_at` when by the store's clock (None if its answer did not say)."""

    row: StoreRow
    pushed: int
    at: datetime
    store_at: datetime | None


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


def save(
    channel_id: int,
    new: list[StoreRow],
    changed: list[StoreRow],
    unchanged: list[int],
    seen_at: datetime | None,
) -> None:
    """What one page of the store's inventory list showed, served at `seen_at` (the store's clock): insert the
    rows seen for the first time, update those whose product, SKU or quantity moved, and note when the others
    (`unchanged` inventory ids) were seen."""
    if unchanged:
        for start in range(0, len(unchanged), _CHUNK):
            db.session.execute(
                _records.update()
                .where(
                    _records.c.channel_id == channel_id,
                    _records.c.store_inventory_id.in_(unchanged[start : start + _CHUNK]),
                )
                .values(store_seen_at=seen_at)
            )
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
                    "store_seen_at": seen_at,
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
                store_seen_at=bindparam("seen"),
            ),
            [
                {
                    "row_id": row.inventory_id,
                    "product_id": row.product_id,
                    "sku": row.sku,
                    "key": _key(row.sku),
                    "quantity": row.quantity,
                    "seen": seen_at,
                }
                for row in changed
            ],
        )


def note_pushes(channel_id: int, pushes: list[ConfirmedPush]) -> None:
    """The store confirmed these rows."""
    if not pushes:
        return
    db.session.execute(
        _records.update()
        .where(_records.c.channel_id == channel_id, _records.c.store_inventory_id == bindparam("row_id"))
        .values(
            store_quantity=bindparam("quantity"),
            pushed_quantity=bindparam("pushed"),
            pushed_at=bindparam("at"),
            store_seen_at=bindparam("seen"),
        ),
        [
            {
                "row_id": push.row.inventory_id,
                "quantity": push.row.quantity,
                "pushed": push.pushed,
                "at": push.at,
                "seen": push.store_at,
            }
            for push in pushes
        ],
    )


def sold_on_store(channel_id: int, quantities: dict[str, int], placed_at: datetime) -> None:
    """A store order first known to techOMS (imported, or held) took these units (by SKU key) off the store's
    count when it was placed (`placed_at`, the store's clock): the records follow, so the next delta does not
    re-send the figures the store already shows (and pay a catch-up listing for them). Only rows whose figure
    the store served or confirmed clearly before the order (SOLD_AFTER_STORE_ANSWER_MARGIN; without the
    store's clock, pushed well before it: SOLD_AFTER_PUSH_MARGIN). Never below 0."""
    seen, pushed = _records.c.store_seen_at, _records.c.pushed_at
    before_the_order = or_(
        seen <= placed_at - SOLD_AFTER_STORE_ANSWER_MARGIN,
        and_(seen.is_(None), or_(pushed.is_(None), pushed < placed_at - SOLD_AFTER_PUSH_MARGIN)),
    )
    for key, quantity in quantities.items():
        if quantity <= 0:
            continue
        db.session.execute(
            _records.update()
            .where(_records.c.channel_id == channel_id, _records.c.channel_sku_key == key, before_the_order)
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
