"""Stock levels received in bulk — the host-system API (`PUT /api/v1/inventory`) and the Products screen's
CSV import — applied with one set of rules and one report.

A batch is a list of absolute `{warehouse, sku, on_hand}` levels of one account, at most MAX_ROWS
(services/inventory/level_rows.py). It is all-or-nothing: every row is checked first
(services/inventory/level_checks.py), and if any row is wrong nothing is applied and the report names every
wrong row. A valid batch sets `on_hand` only, with one INSERT ... ON CONFLICT statement per batch (`allocated`
belongs to the open orders and is never written here), and records a StockAdjustment for each level that
changed.

Setting an absolute figure is idempotent: sending the same batch twice changes nothing the second time.
Functions change the session and never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from extensions import db
from models.base import utcnow
from models.catalog import InventoryLevel, ProductVariant, StockAdjustment
from models.tenancy import Account, User
from services.inventory import publish_queue
from services.inventory.level_checks import CHUNK, LOAD_ALL_ABOVE, ValidLevel, validate
from services.inventory.level_rows import MAX_ROWS, IntakeReport, LevelRow, too_many_rows

_levels = InventoryLevel.__table__


def apply_levels(
    account: Account, rows: Sequence[LevelRow], *, user: User | None = None, reason: str = ""
) -> IntakeReport:
    """Check the whole batch, then set every level of it, or none (the report says which rows are wrong)."""
    if len(rows) > MAX_ROWS:
        raise ValueError(too_many_rows(len(rows)))  # the callers refuse such a batch before reading it
    report = IntakeReport(received=len(rows))
    valid, report.problems, catalog = validate(account, rows)
    if report.problems:
        return report
    current = (
        catalog.levels
        if catalog.levels is not None
        else _current_levels(account, [(row.variant_id, row.warehouse.id) for row in valid])
    )
    changes = [row for row in valid if _figure(current, row) != row.on_hand]
    report.changed, report.unchanged = len(changes), len(valid) - len(changes)
    if changes:
        _set_on_hand(changes)
        _record_adjustments(account, changes, current, user, reason)
    return report


def _figure(current: dict[tuple[int, int], tuple[int, int, int]], row: ValidLevel) -> int:
    """The row's level's on hand now; 0 when it has no level yet."""
    return current.get((row.variant_id, row.warehouse.id), (None, 0, 0))[1]


def _current_levels(
    account: Account, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(variant id, warehouse id) -> (level id, on hand, allocated) for the pairs that have a level."""
    found: dict[tuple[int, int], tuple[int, int, int]] = {}
    if len(pairs) > LOAD_ALL_ABOVE:
        wanted = set(pairs)
        rows = db.session.execute(
            select(_levels.c.variant_id, _levels.c.warehouse_id, _levels.c.id)
            .add_columns(_levels.c.on_hand, _levels.c.allocated)
            .join(ProductVariant, ProductVariant.id == _levels.c.variant_id)
            .where(
                ProductVariant.account_id == account.id,
                _levels.c.warehouse_id.in_({warehouse_id for _variant, warehouse_id in wanted}),
            )
        )
        for variant_id, warehouse_id, level_id, on_hand, allocated in rows:
            if (variant_id, warehouse_id) in wanted:
                found[(variant_id, warehouse_id)] = (level_id, on_hand, allocated)
        return found
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start : start + CHUNK]
        rows = db.session.execute(
            select(_levels.c.variant_id, _levels.c.warehouse_id, _levels.c.id)
            .add_columns(_levels.c.on_hand, _levels.c.allocated)
            .where(tuple_(_levels.c.variant_id, _levels.c.warehouse_id).in_(chunk))
        )
        for variant_id, warehouse_id, level_id, on_hand, allocated in rows:
            found[(variant_id, warehouse_id)] = (level_id, on_hand, allocated)
    return found


def _set_on_hand(changes: list[ValidLevel]) -> None:
    """One statement: new levels are inserted with nothing allocated; existing ones get their on hand set
    and keep their allocated figure untouched, even if an order changed it a moment ago."""
    publish_queue.variants_changed(row.variant_id for row in changes)
    now = utcnow()
    insert_for = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert_for(_levels)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[_levels.c.variant_id, _levels.c.warehouse_id],
            set_={"on_hand": statement.excluded.on_hand, "updated_at": statement.excluded.updated_at},
        ),
        [
            {
                "variant_id": row.variant_id,
                "warehouse_id": row.warehouse.id,
                "on_hand": row.on_hand,
                "allocated": 0,
                "updated_at": now,
            }
            for row in sorted(changes, key=lambda row: (row.variant_id, row.warehouse.id))
        ],
    )


def _record_adjustments(
    account: Account,
    changes: list[ValidLevel],
    before: dict[tuple[int, int], tuple[int, int, int]],
    user: User | None,
    reason: str,
) -> None:
    """The history of each changed level; levels created just now are looked up for their ids."""
    pairs = [(row.variant_id, row.warehouse.id) for row in changes]
    ids = dict(before)
    ids.update(_current_levels(account, [pair for pair in pairs if pair not in before]))
    now = utcnow()
    adjustments = []
    for row, pair in zip(changes, pairs, strict=True):
        _level_id, on_hand_before, allocated = before.get(pair, (None, 0, 0))
        adjustments.append(
            {
                "inventory_level_id": ids[pair][0],
                "user_id": user.id if user else None,
                "on_hand_before": on_hand_before,
                "on_hand_after": row.on_hand,
                "allocated_before": allocated,
                "allocated_after": allocated,
                "reason": reason[:200],
                "created_at": now,
            }
        )
    db.session.execute(insert(StockAdjustment.__table__), adjustments)
