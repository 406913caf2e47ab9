"""A batch of stock levels checked before anything is applied: every row against the account (a warehouse
enabled for the account, by code; a variant of the account, by SKU ignoring case and surrounding spaces; a
whole number from 0 to MAX_ON_HAND; each warehouse and SKU once), a problem for each wrong field.

The account's variants are read for the batch in a fixed number of queries; for a large batch the same single
query also reads their current levels, which applying the batch then needs (services/inventory/levels.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from extensions import db
from models.catalog import InventoryLevel, ProductVariant, Warehouse, sku_key
from models.tenancy import Account
from services.catalog import enabled_warehouses
from services.inventory.level_rows import MAX_ON_HAND, LevelRow, RowProblem

CHUNK = 1_000  # ids or keys per IN (...): well inside every backend's parameter limit
# Above this many rows a lookup reads the account's whole set (one query) instead of binding every key.
LOAD_ALL_ABOVE = 2_000
_DIGITS = re.compile(r"^[0-9]{1,9}$")  # ASCII digits only: "١٢" is not read as 12
_levels = InventoryLevel.__table__


@dataclass(frozen=True)
class ValidLevel:
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
class BatchCatalog:
    """The account's variant ids by SKU key for the batch; for a large batch also the levels of every variant
    of the account in its enabled warehouses, read in the same single query."""

    variants: dict[str, int]
    levels: dict[tuple[int, int], tuple[int, int, int]] | None = None  # (variant, warehouse) -> level


def _read_catalog(account: Account, keys: set[str], warehouse_ids: list[int]) -> BatchCatalog:
    if len(keys) > LOAD_ALL_ABOVE:
        rows = db.session.execute(
            select(ProductVariant.sku_key, ProductVariant.id, _levels.c.warehouse_id)
            .add_columns(_levels.c.id, _levels.c.on_hand, _levels.c.allocated)
            .outerjoin(
                _levels,
                (_levels.c.variant_id == ProductVariant.id) & _levels.c.warehouse_id.in_(warehouse_ids),
            )
            .where(ProductVariant.account_id == account.id)
        )
        catalog = BatchCatalog({}, {})
        for key, variant_id, warehouse_id, level_id, on_hand, allocated in rows:
            if key in keys:
                catalog.variants[key] = variant_id
                if level_id is not None:
                    catalog.levels[(variant_id, warehouse_id)] = (level_id, on_hand, allocated)
        return catalog
    found: dict[str, int] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        rows = db.session.execute(
            select(ProductVariant.sku_key, ProductVariant.id).where(
                ProductVariant.account_id == account.id, ProductVariant.sku_key.in_(chunk)
            )
        )
        found.update((key, variant_id) for key, variant_id in rows)
    return BatchCatalog(found)


def validate(
    account: Account, rows: Sequence[LevelRow]
) -> tuple[list[ValidLevel], list[RowProblem], BatchCatalog]:
    """Every row checked; the valid ones, and a problem for each wrong field of the others."""
    enabled = enabled_warehouses(account)
    warehouses = {warehouse.code.strip().casefold(): warehouse for warehouse in enabled}
    key_of = {id(row): sku_key(row.sku) for row in rows if isinstance(row.sku, str)}
    catalog = _read_catalog(account, {key for key in key_of.values() if key}, [w.id for w in enabled])
    variants = catalog.variants
    problems: list[RowProblem] = []
    valid: list[ValidLevel] = []
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
            valid.append(ValidLevel(row.position, warehouse, variant_id, row.sku.strip(), on_hand))
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
