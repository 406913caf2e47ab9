"""Warehouses, products and stock levels: the services behind the administration screens.

These functions change the session but never commit: the view commits once the whole change is in, and turns
an IntegrityError from a concurrent writer into a form message. Queries that need more than a line live here
too, each built so a page costs a fixed number of queries whatever its size (no N+1).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, delete, func, insert, select, union
from sqlalchemy.orm import aliased, joinedload

from extensions import db
from models.catalog import (
    InventoryLevel,
    Product,
    ProductVariant,
    StockAdjustment,
    Warehouse,
    account_warehouse,
    sku_key,
)
from models.tenancy import Account, User
from services.inventory import publish_queue
from services.search import LIKE_ESCAPE, contains_pattern

_available = case(
    (InventoryLevel.on_hand > InventoryLevel.allocated, InventoryLevel.on_hand - InventoryLevel.allocated),
    else_=0,
)


@dataclass(frozen=True)
class StockTotals:
    """One product's line in the list: its variants and its stock over the account's enabled warehouses."""

    variants: int = 0
    on_hand: int = 0
    available: int = 0


# --- warehouses -------------------------------------------------------------------------------------------


def _enabled_ids(account: Account) -> Select:
    return select(account_warehouse.c.warehouse_id).where(account_warehouse.c.account_id == account.id)


def enabled_warehouses(account: Account) -> list[Warehouse]:
    """The warehouses the account ships from (and publishes stock of), by code."""
    return list(
        db.session.scalars(
            select(Warehouse).where(Warehouse.id.in_(_enabled_ids(account))).order_by(Warehouse.code)
        )
    )


def organization_warehouses(account: Account) -> list[tuple[Warehouse, bool]]:
    """Every warehouse of the account's organization, with whether it is enabled for the account."""
    enabled = set(db.session.scalars(_enabled_ids(account)))
    warehouses = db.session.scalars(
        select(Warehouse).where(Warehouse.organization_id == account.organization_id).order_by(Warehouse.code)
    )
    return [(warehouse, warehouse.id in enabled) for warehouse in warehouses]


def create_warehouse(organization_id: int, code: str, name: str) -> Warehouse:
    warehouse = Warehouse(organization_id=organization_id, code=code, name=name)
    db.session.add(warehouse)
    return warehouse


def set_warehouse_enabled(account: Account, warehouse: Warehouse, enabled: bool) -> None:
    """Enable or disable `warehouse` for `account`; doing what is already done changes nothing."""
    row = (account_warehouse.c.account_id == account.id) & (account_warehouse.c.warehouse_id == warehouse.id)
    currently = db.session.scalar(select(func.count()).select_from(account_warehouse).where(row)) > 0
    if enabled and not currently:
        db.session.execute(insert(account_warehouse).values(account_id=account.id, warehouse_id=warehouse.id))
    elif currently and not enabled:
        db.session.execute(delete(account_warehouse).where(row))


def is_enabled(account: Account, warehouse: Warehouse) -> bool:
    return warehouse.id in set(db.session.scalars(_enabled_ids(account)))


# --- products and variants ----------------------------------------------------------------------------------


def product_search(account: Account, q: str = "") -> Select:
    """Products of the account whose name or one of whose SKUs contains `q` (ignoring case), in the natural
    order of their names ("Tee 2" before "Tee 10")."""
    statement = select(Product).where(Product.account_id == account.id)
    if q:
        # The matching ids as a UNION of two trigram-index searches: `name ILIKE … OR id IN (…)` read every
        # product of the account in name order to test each.
        named = aliased(Product)
        by_name = select(named.id).where(
            named.account_id == account.id, named.name.ilike(contains_pattern(q), escape=LIKE_ESCAPE)
        )
        by_sku = select(ProductVariant.product_id).where(
            ProductVariant.account_id == account.id,
            ProductVariant.sku_key.like(contains_pattern(sku_key(q)), escape=LIKE_ESCAPE),
        )
        statement = statement.where(Product.id.in_(union(by_name, by_sku)))
    return statement.order_by(Product.name_sort_key, Product.id)


def stock_totals(account: Account, product_ids: list[int]) -> dict[int, StockTotals]:
    """Variant counts and stock sums for these products, in two queries."""
    if not product_ids:
        return {}
    counts = dict(
        db.session.execute(
            select(ProductVariant.product_id, func.count())
            .where(ProductVariant.product_id.in_(product_ids))
            .group_by(ProductVariant.product_id)
        ).all()
    )
    sums = {
        product_id: (on_hand, available)
        for product_id, on_hand, available in db.session.execute(
            select(ProductVariant.product_id, func.sum(InventoryLevel.on_hand), func.sum(_available))
            .join(InventoryLevel, InventoryLevel.variant_id == ProductVariant.id)
            .where(
                ProductVariant.product_id.in_(product_ids),
                InventoryLevel.warehouse_id.in_(_enabled_ids(account)),
            )
            .group_by(ProductVariant.product_id)
        )
    }
    return {
        product_id: StockTotals(
            counts.get(product_id, 0), *(int(v or 0) for v in sums.get(product_id, (0, 0)))
        )
        for product_id in product_ids
    }


def variant_ids_by_sku_key(account_id: int) -> dict[str, int]:
    """Every variant of the account: its SKU key (trimmed, case-folded) -> its id, in one query."""
    return dict(
        db.session.execute(
            select(ProductVariant.sku_key, ProductVariant.id).where(ProductVariant.account_id == account_id)
        ).all()
    )


def variant_with_sku(account_id: int, sku: str) -> ProductVariant | None:
    """The account's variant whose SKU matches `sku` ignoring case and surrounding spaces."""
    return db.session.scalar(
        select(ProductVariant)
        .options(joinedload(ProductVariant.product))
        .where(ProductVariant.account_id == account_id, ProductVariant.sku_key == sku_key(sku))
    )


def add_variant(
    product: Product, *, sku: str, title: str | None = "", **measures: int | None
) -> ProductVariant:
    """A new variant of `product`; `measures` are weight_g, length_mm, width_mm, height_mm."""
    variant = ProductVariant(account_id=product.account_id, title=title or "", **measures)
    variant.set_sku(sku)
    product.variants.append(variant)
    return variant


def create_product(account: Account, name: str, **variant: str | int | None) -> Product:
    """A product with its first variant (see `add_variant` for the variant's fields)."""
    product = Product(account_id=account.id, name=name)
    db.session.add(product)
    add_variant(product, **variant)
    return product


# --- stock --------------------------------------------------------------------------------------------------


def stock_grid(
    variants: list[ProductVariant], warehouses: list[Warehouse]
) -> dict[tuple[int, int], InventoryLevel]:
    """Levels keyed by (variant id, warehouse id), in one query; a missing key means no stock record yet."""
    if not variants or not warehouses:
        return {}
    levels = db.session.scalars(
        select(InventoryLevel).where(
            InventoryLevel.variant_id.in_([v.id for v in variants]),
            InventoryLevel.warehouse_id.in_([w.id for w in warehouses]),
        )
    )
    return {(level.variant_id, level.warehouse_id): level for level in levels}


def level_for(variant: ProductVariant, warehouse: Warehouse) -> InventoryLevel:
    """The variant's level in the warehouse, locked for update (PostgreSQL); a new zero level if none."""
    level = db.session.scalar(
        select(InventoryLevel)
        .where(InventoryLevel.variant_id == variant.id, InventoryLevel.warehouse_id == warehouse.id)
        .with_for_update()
    )
    if level is None:
        level = InventoryLevel(variant=variant, warehouse=warehouse, on_hand=0, allocated=0)
        db.session.add(level)
    return level


def adjust_stock(level: InventoryLevel, on_hand: int, user: User | None, reason: str = "") -> StockAdjustment:
    """Set the level's on hand figure and record who changed it from what to what. `allocated` is left alone:
    it is the open orders' (services/inventory/allocation.py), and only they change it."""
    if on_hand < 0:
        raise ValueError(f"impossible stock figure: on hand {on_hand}")
    allocated = level.allocated or 0
    adjustment = StockAdjustment(
        inventory_level=level,
        user=user,
        on_hand_before=level.on_hand or 0,
        allocated_before=allocated,
        on_hand_after=on_hand,
        allocated_after=allocated,
        reason=reason or "",
    )
    level.on_hand = on_hand
    db.session.add(adjustment)
    publish_queue.variants_changed([level.variant_id or level.variant.id])
    return adjustment


def recent_adjustments(variant: ProductVariant, limit: int = 20) -> list[StockAdjustment]:
    """The variant's latest adjustments, newest first, with their user and warehouse loaded."""
    return list(
        db.session.scalars(
            select(StockAdjustment)
            .join(StockAdjustment.inventory_level)
            .where(InventoryLevel.variant_id == variant.id)
            .options(
                joinedload(StockAdjustment.user),
                joinedload(StockAdjustment.inventory_level).joinedload(InventoryLevel.warehouse),
            )
            .order_by(StockAdjustment.created_at.desc(), StockAdjustment.id.desc())
            .limit(limit)
        )
    )


def organization_warehouse(organization_id: int, warehouse_id: int) -> Warehouse | None:
    return db.session.scalar(
        select(Warehouse).where(Warehouse.id == warehouse_id, Warehouse.organization_id == organization_id)
    )


def catalog_counts(account_id: int) -> dict[str, int]:
    """The account's products, variants and enabled warehouses (the overview's counts)."""
    return {
        "products": db.session.scalar(select(func.count(Product.id)).where(Product.account_id == account_id)),
        "variants": db.session.scalar(
            select(func.count(ProductVariant.id)).where(ProductVariant.account_id == account_id)
        ),
        "warehouses": db.session.scalar(
            select(func.count())
            .select_from(account_warehouse)
            .where(account_warehouse.c.account_id == account_id)
        ),
    }
