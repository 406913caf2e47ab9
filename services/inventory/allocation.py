"""Allocation: the stock held by imported orders waiting for fulfilment.

An open order's physical lines hold their quantity in the channel's primary mapped warehouse, so
`InventoryLevel.allocated` is always the sum of the open order lines held there. Every change is an atomic
relative UPDATE (`allocated = allocated + :delta`, an INSERT ... ON CONFLICT for a level that does not exist
yet), never a read-modify-write of the figure, so concurrent imports, shipments and stock updates cannot lose
each other's changes. Each line records what it holds and where (`allocated_quantity`, `allocated_variant_id`,
`allocated_warehouse_id`), so a release takes back exactly that. An import sums its chunk's changes and
writes them once, at the chunk's end (`written_once`).

Who calls what:
* order import (sync/order_upsert.py): `allocate_order` after creating or changing an order,
  `release_order` when it is cancelled, `release_removed_lines` for lines the store dropped;
* shipments: `release_lines([(order line id, shipped quantity), ...])` in the transaction creating the
  shipment;
* import and inventory export: `allocate_waiting` for lines imported while no warehouse was mapped.

Functions change the session and never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, case, select
from sqlalchemy.dialects import postgresql, sqlite

from extensions import db
from models.base import utcnow
from models.catalog import InventoryLevel, account_warehouse
from models.channels import SalesChannel
from models.mappings import WarehouseMapping
from models.orders import OrderStatus, SalesOrder, SalesOrderLine
from services.inventory import publish_queue

# Imported and not yet shipped or cancelled: these orders hold stock.
OPEN_STATUSES = frozenset(
    {OrderStatus.DRAFT, OrderStatus.APPROVED, OrderStatus.RELEASED, OrderStatus.PARTIALLY_SHIPPED}
)

_levels = InventoryLevel.__table__
Place = tuple[int, int]  # (variant id, warehouse id)
_SUMMED = "allocation_summed_deltas"  # the session's info key of the deltas `written_once` is summing
WAITING_BATCH = 1_000  # lines read and allocated at a time by allocate_waiting


def primary_warehouse_id(channel: SalesChannel) -> int | None:
    """The channel's primary warehouse, where its imported orders hold their stock: the selling mapped one
    marked primary, else the first selling one mapped (still enabled for the account). A warehouse the
    channel does not sell from is never primary: its allocations would not lower what is published. None
    when no selling warehouse is mapped."""
    enabled = select(account_warehouse.c.warehouse_id).where(
        account_warehouse.c.account_id == channel.account_id
    )
    return db.session.scalar(
        select(WarehouseMapping.warehouse_id)
        .where(
            WarehouseMapping.channel_id == channel.id,
            WarehouseMapping.warehouse_id.in_(enabled),
            WarehouseMapping.sells_from.is_(True),
        )
        .order_by(WarehouseMapping.is_primary.desc(), WarehouseMapping.id)
        .limit(1)
    )


def open_quantity(line: SalesOrderLine) -> int:
    """What a line of an open order still needs from the warehouse. Physical lines with a variant only."""
    if not line.is_physical or line.variant_id is None:
        return 0
    return line.remaining_quantity  # what shipments have not taken yet


def allocate_order(order: SalesOrder, warehouse_id: int | None) -> None:
    """Make what the order's lines hold match the order: an open order's lines hold their open quantity
    (where they already hold it, else in `warehouse_id`), a closed order's lines hold nothing."""
    # Lines stored before: read again under a row lock, so a shipment releasing one meanwhile is seen.
    _locked_lines([line.id for line in order.lines if line.id is not None])
    deltas: Counter[Place] = Counter()
    is_open = order.status in OPEN_STATUSES
    for line in order.lines:
        _hold(line, open_quantity(line) if is_open else 0, warehouse_id, deltas)
    apply_deltas(deltas)


def release_order(order: SalesOrder) -> None:
    """Everything the order's lines hold goes back (cancelled, or closed otherwise)."""
    lines = _locked_lines([line.id for line in order.lines if line.id is not None])
    deltas: Counter[Place] = Counter()
    for line in lines:
        _hold(line, 0, None, deltas)
    apply_deltas(deltas)


def release_removed_lines(lines: Iterable[SalesOrderLine]) -> None:
    """Lines about to be deleted (the store dropped them from the order) give back what they hold."""
    deltas: Counter[Place] = Counter()
    for line in lines:
        _hold(line, 0, None, deltas)
    apply_deltas(deltas)


def release_lines(shipped: Iterable[tuple[int, int]]) -> None:
    """Shipped quantities leave the stock they were holding: [(sales order line id, quantity), ...].

    A line gives back at most what it holds, so releasing twice or more than was held never drives a level
    below what the other open lines hold."""
    wanted: Counter[int] = Counter()
    for line_id, quantity in shipped:
        if quantity > 0:
            wanted[int(line_id)] += int(quantity)
    deltas: Counter[Place] = Counter()
    for line in _locked_lines(sorted(wanted)):
        released = min(wanted[line.id], line.allocated_quantity)
        if released:
            deltas[(line.allocated_variant_id, line.allocated_warehouse_id)] -= released
            line.allocated_quantity -= released
    apply_deltas(deltas)


def allocate_waiting(channel: SalesChannel, warehouse_id: int | None) -> int:
    """Allocate the open orders' lines that hold nothing yet because no warehouse was mapped when they were
    imported. Returns how many lines were allocated.

    The waiting lines' ids are read once, then the lines a batch at a time, flushed before the next: a
    channel imported for months without a warehouse may have tens of thousands of them (all at once took
    +211 MB at 25,000 lines), and the session keeps only unflushed objects."""
    if warehouse_id is None:
        return 0
    waiting = list(
        db.session.scalars(
            select(SalesOrderLine.id)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .where(
                SalesOrder.channel_id == channel.id,
                SalesOrder.status.in_([status.value for status in OPEN_STATUSES]),
                SalesOrderLine.is_physical,
                SalesOrderLine.variant_id.is_not(None),
                SalesOrderLine.allocated_warehouse_id.is_(None),
                # A line shipped whole needs nothing: read again by every run otherwise, and never held.
                SalesOrderLine.quantity > SalesOrderLine.shipped_quantity,
            )
            .order_by(SalesOrderLine.id)
        )
    )
    for start in range(0, len(waiting), WAITING_BATCH):
        deltas: Counter[Place] = Counter()
        # Read again under a row lock: a line allocated or shipped meanwhile is skipped, never held twice.
        for line in _locked_lines(waiting[start : start + WAITING_BATCH]):
            if line.allocated_warehouse_id is None:
                _hold(line, open_quantity(line), warehouse_id, deltas)
        apply_deltas(deltas)
        db.session.flush()
    return len(waiting)


def _locked_lines(ids: list[int]) -> list[SalesOrderLine]:
    """The lines, read again under a row lock (PostgreSQL; SQLite has one writer anyway), so what they hold
    is current even when another transaction released some of it meanwhile."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(SalesOrderLine)
            .where(SalesOrderLine.id.in_(ids))
            .order_by(SalesOrderLine.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _hold(line: SalesOrderLine, want: int, warehouse_id: int | None, deltas: Counter[Place]) -> None:
    """Record in `deltas` the move from what `line` holds to `want` of its variant, and note it on the line.
    A line keeps holding where it already holds its variant; otherwise it takes `warehouse_id`."""
    held = line.allocated_quantity or 0
    here = (line.allocated_variant_id, line.allocated_warehouse_id)
    if want and held and line.allocated_variant_id == line.variant_id:
        target: Place | None = here
    elif want and warehouse_id is not None:
        target = (line.variant_id, warehouse_id)
    else:
        target = None
    if held:
        deltas[here] -= held
    if target is None:
        line.allocated_quantity = 0
        return
    deltas[target] += want
    line.allocated_variant_id, line.allocated_warehouse_id = target
    line.allocated_quantity = want


@contextmanager
def written_once() -> Iterator[None]:
    """Level changes made inside are summed and written once, in key order, on the way out (an import's chunk
    of orders). The levels' row locks are then held from that write to the commit, not from the chunk's first
    order on: imports of channels that share stock wait on each other for moments instead of a chunk's whole
    processing, and every writer locks levels in the same order, so they cannot deadlock. Nested use joins
    the outer one; an error inside writes nothing (its transaction is rolled back)."""
    info = db.session.info
    if _SUMMED in info:
        yield
        return
    summed: Counter[Place] = Counter()
    info[_SUMMED] = summed
    try:
        yield
    finally:
        info.pop(_SUMMED, None)
    _write_deltas(summed)


def apply_deltas(deltas: Counter[Place]) -> None:
    """Add each delta to its level's `allocated` in place, or to the sum `written_once` writes later; a level
    that does not exist yet is created with nothing on hand."""
    summed = db.session.info.get(_SUMMED)
    if summed is not None:
        summed.update(deltas)  # adds, negative deltas included
        return
    _write_deltas(deltas)


def _write_deltas(deltas: Counter[Place]) -> None:
    """Levels are written in key order so concurrent writers lock them in the same order."""
    publish_queue.variants_changed(variant for (variant, _), delta in deltas.items() if delta)
    now = utcnow()
    rises = [
        {"variant_id": v, "warehouse_id": w, "on_hand": 0, "allocated": d, "updated_at": now}
        for (v, w), d in sorted(deltas.items())
        if d > 0
    ]
    falls = [
        {"v": v, "w": w, "d": -d, "now": now} for (v, w), d in sorted(deltas.items()) if d < 0 and v and w
    ]
    if falls:
        db.session.execute(
            _levels.update()
            .where(_levels.c.variant_id == bindparam("v"), _levels.c.warehouse_id == bindparam("w"))
            .values(
                # Never below zero, even if a figure was set by hand before allocation existed.
                allocated=case(
                    (_levels.c.allocated > bindparam("d"), _levels.c.allocated - bindparam("d")), else_=0
                ),
                updated_at=bindparam("now"),
            ),
            falls,
        )
    if rises:
        insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = insert(_levels)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=[_levels.c.variant_id, _levels.c.warehouse_id],
                set_={
                    "allocated": _levels.c.allocated + statement.excluded.allocated,
                    "updated_at": statement.excluded.updated_at,
                },
            ),
            rises,
        )
