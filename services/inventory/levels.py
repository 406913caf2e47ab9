"""Stock levels received in bulk — the host-system API (`PUT /api/v1/inventory`) and the Products screen's
CSV import — with one set of rules and one report.

A batch is a list of absolute `{warehouse, sku, on_hand}` levels of one account, at most MAX_ROWS. It is
all-or-nothing: every row is checked first (a warehouse enabled for the account, by code; a variant of the
account, by SKU ignoring case and surrounding spaces; a whole number from 0 to MAX_ON_HAND; each warehouse
and SKU once), and if any row is wrong nothing is applied and the report names every wrong row. A valid batch
sets `on_hand` only, with one INSERT ... ON CONFLICT statement per batch (`allocated` belongs to the open
orders and is never written here), and records a StockAdjustment for each level that changed.

Setting an absolute figure is idempotent: sending the same batch twice changes nothing the second time.
Functions change the session and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from extensions import db
from models.base import utcnow
from models.catalog import InventoryLevel, ProductVariant, StockAdjustment, Warehouse, sku_key
from models.tenancy import Account, User
from services.catalog import enabled_warehouses
from services.mappings.csv_io import FileRefused, read_rows, unescape

MAX_ROWS = 10_000
MAX_ON_HAND = 10_000_000
CSV_COLUMNS = ("Warehouse", "SKU", "On hand")
_CHUNK = 1_000  # ids or keys per IN (...): well inside every backend's parameter limit
# Above this many rows a lookup reads the account's whole set (one query) instead of binding every key.
_LOAD_ALL_ABOVE = 2_000
_DIGITS = re.compile(r"^[0-9]{1,9}$")  # ASCII digits only: "١٢" is not read as 12
_levels = InventoryLevel.__table__


@dataclass(frozen=True)
class LevelRow:
    """One level as received. `position` keys it in the report (the API's index, the CSV's line number) and
    `label` names it in messages ("levels[3]", "line 5")."""

    position: int
    label: str
    warehouse: object
    sku: object
    on_hand: object


@dataclass(frozen=True)
class RowProblem:
    position: int
    field: str  # warehouse, sku, on_hand, or "row" when the row itself is malformed
    message: str


@dataclass
class IntakeReport:
    received: int
    problems: list[RowProblem] = field(default_factory=list)
    changed: int = 0
    unchanged: int = 0

    @property
    def applied(self) -> bool:
        return not self.problems

    @property
    def bad_rows(self) -> int:
        return len({problem.position for problem in self.problems})

    def summary(self) -> str:
        if self.problems:
            return (
                f"Nothing was applied: {self.bad_rows} of {self.received} row"
                f"{'' if self.received == 1 else 's'} cannot be accepted."
            )
        return (
            f"{self.received} level{'' if self.received == 1 else 's'} received: {self.changed} changed, "
            f"{self.unchanged} already at that figure."
        )


def rows_from_csv(data: bytes) -> list[LevelRow]:
    """The levels of a CSV file with the header `Warehouse,SKU,On hand`; FileRefused (nothing applied) for a
    file that is too large, not UTF-8 CSV, has another header or more than MAX_ROWS rows."""
    rows = []
    for line, cells in read_rows(data, CSV_COLUMNS):
        if len(rows) >= MAX_ROWS:
            raise FileRefused(f"The file has more than {MAX_ROWS:,} rows: nothing was applied.")
        values = [unescape(cell) for cell in cells] + [""] * (len(CSV_COLUMNS) - len(cells))
        if len(cells) > len(CSV_COLUMNS):
            values[2] = ",".join(cells[2:])  # an extra cell is an unreadable figure, reported on the row
        rows.append(LevelRow(line, f"line {line}", values[0], values[1], values[2]))
    return rows


def too_many_rows(count: int) -> str:
    return f"{count:,} levels given; at most {MAX_ROWS:,} are accepted at once. Nothing was applied."


@dataclass(frozen=True)
class _Valid:
    position: int
    warehouse: Warehouse
    variant_id: int
    sku: str
    on_hand: int


def _shown(value: object) -> str:
    """A received value quoted in a message: printable and short."""
    text = "".join(char for char in str(value) if char.isprintable())
    return text[:40] + ("…" if len(text) > 40 else "")


def _on_hand(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ON_HAND else None
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        number = int(value.strip())
        return number if number <= MAX_ON_HAND else None
    return None


@dataclass
class _Catalog:
    """The account's variant ids by SKU key for the batch; for a large batch also the levels of every variant
    of the account in its enabled warehouses, read in the same single query."""

    variants: dict[str, int]
    levels: dict[tuple[int, int], tuple[int, int, int]] | None = None  # (variant, warehouse) -> level


def _read_catalog(account: Account, keys: set[str], warehouse_ids: list[int]) -> _Catalog:
    if len(keys) > _LOAD_ALL_ABOVE:
        rows = db.session.execute(
            select(ProductVariant.sku_key, ProductVariant.id, _levels.c.warehouse_id)
            .add_columns(_levels.c.id, _levels.c.on_hand, _levels.c.allocated)
            .outerjoin(
                _levels,
                (_levels.c.variant_id == ProductVariant.id) & _levels.c.warehouse_id.in_(warehouse_ids),
            )
            .where(ProductVariant.account_id == account.id)
        )
        catalog = _Catalog({}, {})
        for key, variant_id, warehouse_id, level_id, on_hand, allocated in rows:
            if key in keys:
                catalog.variants[key] = variant_id
                if level_id is not None:
                    catalog.levels[(variant_id, warehouse_id)] = (level_id, on_hand, allocated)
        return catalog
    found: dict[str, int] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        rows = db.session.execute(
            select(ProductVariant.sku_key, ProductVariant.id).where(
                ProductVariant.account_id == account.id, ProductVariant.sku_key.in_(chunk)
            )
        )
        found.update((key, variant_id) for key, variant_id in rows)
    return _Catalog(found)


def _validate(account: Account, rows: Sequence[LevelRow]) -> tuple[list[_Valid], list[RowProblem], _Catalog]:
    """Every row checked; the valid ones, and a problem for each wrong field of the others."""
    enabled = enabled_warehouses(account)
    warehouses = {warehouse.code.strip().casefold(): warehouse for warehouse in enabled}
    key_of = {id(row): sku_key(row.sku) for row in rows if isinstance(row.sku, str)}
    catalog = _read_catalog(account, {key for key in key_of.values() if key}, [w.id for w in enabled])
    variants = catalog.variants
    problems: list[RowProblem] = []
    valid: list[_Valid] = []
    first_seen: dict[tuple[int, int], LevelRow] = {}
    for row in rows:
        found: list[RowProblem] = []
        warehouse = _warehouse(row, warehouses, found)
        variant_id = _variant_id(row, key_of.get(id(row), ""), variants, found)
        on_hand = _on_hand(row.on_hand)
        if on_hand is None:
            message = f"On hand must be a whole number from 0 to {MAX_ON_HAND:,}."
            found.append(RowProblem(row.position, "on_hand", message))
        if warehouse is not None and variant_id is not None:
            earlier = first_seen.setdefault((variant_id, warehouse.id), row)
            if earlier is not row:
                message = (
                    f"Warehouse {warehouse.code} and SKU {_shown(row.sku.strip())} are already given in "
                    f"{earlier.label}: give each level once."
                )
                found.append(RowProblem(row.position, "row", message))
        if found:
            problems.extend(found)
        else:
            valid.append(_Valid(row.position, warehouse, variant_id, row.sku.strip(), on_hand))
    return valid, problems, catalog


def _warehouse(row: LevelRow, warehouses: dict[str, Warehouse], found: list[RowProblem]) -> Warehouse | None:
    if not isinstance(row.warehouse, str) or not row.warehouse.strip():
        found.append(RowProblem(row.position, "warehouse", "Give the warehouse's code."))
        return None
    warehouse = warehouses.get(row.warehouse.strip().casefold())
    if warehouse is None:
        code = _shown(row.warehouse.strip())
        found.append(
            RowProblem(
                row.position, "warehouse", f"No warehouse with code {code} is enabled for this account."
            )
        )
    return warehouse


def _variant_id(row: LevelRow, key: str, variants: dict[str, int], found: list[RowProblem]) -> int | None:
    if not key:
        found.append(RowProblem(row.position, "sku", "Give the variant's SKU."))
        return None
    variant_id = variants.get(key)
    if variant_id is None:
        message = f"No product variant of this account has SKU {_shown(row.sku.strip())}."
        found.append(RowProblem(row.position, "sku", message))
    return variant_id


def apply_levels(
    account: Account, rows: Sequence[LevelRow], *, user: User | None = None, reason: str = ""
) -> IntakeReport:
    """Check the whole batch, then set every level of it, or none (the report says which rows are wrong)."""
    if len(rows) > MAX_ROWS:
        raise ValueError(too_many_rows(len(rows)))  # the callers refuse such a batch before reading it
    report = IntakeReport(received=len(rows))
    valid, report.problems, catalog = _validate(account, rows)
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


def _figure(current: dict[tuple[int, int], tuple[int, int, int]], row: _Valid) -> int:
    """The row's level's on hand now; 0 when it has no level yet."""
    return current.get((row.variant_id, row.warehouse.id), (None, 0, 0))[1]


def _current_levels(
    account: Account, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(variant id, warehouse id) -> (level id, on hand, allocated) for the pairs that have a level."""
    found: dict[tuple[int, int], tuple[int, int, int]] = {}
    if len(pairs) > _LOAD_ALL_ABOVE:
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
    for start in range(0, len(pairs), _CHUNK):
        chunk = pairs[start : start + _CHUNK]
        rows = db.session.execute(
            select(_levels.c.variant_id, _levels.c.warehouse_id, _levels.c.id)
            .add_columns(_levels.c.on_hand, _levels.c.allocated)
            .where(tuple_(_levels.c.variant_id, _levels.c.warehouse_id).in_(chunk))
        )
        for variant_id, warehouse_id, level_id, on_hand, allocated in rows:
            found[(variant_id, warehouse_id)] = (level_id, on_hand, allocated)
    return found


def _set_on_hand(changes: list[_Valid]) -> None:
    """One statement: new levels are inserted with nothing allocated; existing ones get their on hand set
    and keep their allocated figure untouched, even if an order changed it a moment ago."""
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
    changes: list[_Valid],
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
