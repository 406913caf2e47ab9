"""Helpers for inventory tests: a channel whose store sells the catalog's SKUs with a mapped warehouse, stock
levels, export runs through a real RQ worker, the simulator's quantities, and allocation rebuilt from the
orders themselves."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from extensions import db
from models.activity import SyncAction, SyncRun, SyncTrigger
from models.catalog import InventoryLevel, ProductVariant, Warehouse
from models.inventory_sync import StoreInventoryRecord
from models.mappings import WarehouseMapping
from models.orders import OrderStatus, SalesOrder, SalesOrderLine
from sync.start import start_run
from tests.support.sync import catalog_for, make_store, sync_channel, work

OPEN = (OrderStatus.DRAFT, OrderStatus.APPROVED, OrderStatus.RELEASED)


def map_warehouse(channel, warehouse: Warehouse, identifier: str = "1") -> WarehouseMapping:
    mapping = WarehouseMapping(
        channel_id=channel.id, warehouse_id=warehouse.id, external_identifier=identifier
    )
    db.session.add(mapping)
    db.session.commit()
    return mapping


def add_warehouse(tenant, code: str) -> Warehouse:
    """Another warehouse of the tenant's organization, enabled for its account."""
    warehouse = Warehouse(organization=tenant.organization, code=code, name=f"{code} DC")
    warehouse.accounts.append(tenant.account)
    db.session.add(warehouse)
    db.session.commit()
    return warehouse


def set_stock(variant: ProductVariant, warehouse: Warehouse, on_hand: int) -> None:
    level = db.session.scalar(
        select(InventoryLevel).where(
            InventoryLevel.variant_id == variant.id, InventoryLevel.warehouse_id == warehouse.id
        )
    )
    if level is None:
        db.session.add(InventoryLevel(variant=variant, warehouse=warehouse, on_hand=on_hand, allocated=0))
    else:
        level.on_hand = on_hand
    db.session.commit()


def inventory_setup(simulator, tenant, *, products: int = 4, missing: tuple[str, ...] = (), **settings):
    """A store without orders, a channel selling its SKUs from the tenant's warehouse (mapped), and stock: the
    n-th SKU (in SKU order) has n on hand. Returns (store, channel, variants by SKU)."""
    store = make_store(simulator, seed=11, products=products, orders=0)
    variants = catalog_for(simulator, store, tenant.account, missing=missing)
    channel = sync_channel(store, tenant.account, **settings)
    map_warehouse(channel, tenant.warehouse)
    for n, (_sku, variant) in enumerate(sorted(variants.items()), start=1):
        set_stock(variant, tenant.warehouse, n)
    return store, channel, variants


def export_now(channel, *, full: bool = False, trigger=SyncTrigger.MANUAL) -> SyncRun:
    params = {"full": True} if full else {}
    run, created = start_run(channel, SyncAction.EXPORT_INVENTORY, trigger, **params)
    assert created, "an inventory export was already active"
    db.session.commit()  # queues its job
    work()
    return db.session.get(SyncRun, run.id)


def store_rows(simulator, store) -> list[dict]:
    """Every row of the store's /inventories (the calls are not counted against the test)."""
    with simulator.client(store) as client:
        rows = list(client.iter_inventories())
    simulator.reset_calls(store)
    return rows


def store_quantities(simulator, store) -> dict[str, int]:
    """Tracked store SKU -> the quantity the store shows."""
    return {row["final_sku"]: row["inventory"] for row in store_rows(simulator, store) if row["track"]}


def edit_store_row(simulator, store, row: dict, quantity: int) -> None:
    """Someone edits one variant's stock in the store admin (not through techOMS)."""
    response = simulator.raw(
        store,
        "PUT",
        f"/products/{row['product_id']}/inventories/{row['id']}",
        token=store.token,
        json={"inventory": {"inventory": quantity}},
    )
    assert response.status_code == 200, response.text
    simulator.reset_calls(store)


def records(channel) -> dict[str, StoreInventoryRecord]:
    db.session.expire_all()
    found = db.session.scalars(
        select(StoreInventoryRecord).where(StoreInventoryRecord.channel_id == channel.id)
    )
    return {record.channel_sku: record for record in found}


def allocated_levels() -> dict[tuple[int, int], int]:
    """(variant id, warehouse id) -> allocated, for every level holding something."""
    db.session.expire_all()
    return {
        (level.variant_id, level.warehouse_id): level.allocated
        for level in db.session.scalars(select(InventoryLevel))
        if level.allocated
    }


def rebuilt_allocation(warehouse_id: int) -> dict[tuple[int, int], int]:
    """Allocation rebuilt from scratch out of the orders alone: every open order's physical lines with a
    variant, held in the channel's primary warehouse `warehouse_id`."""
    db.session.expire_all()
    totals: Counter = Counter()
    lines = db.session.execute(
        select(SalesOrderLine.variant_id, SalesOrderLine.quantity)
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .where(
            SalesOrder.status.in_([status.value for status in OPEN]),
            SalesOrderLine.is_physical,
            SalesOrderLine.variant_id.is_not(None),
        )
    )
    for variant_id, quantity in lines:
        totals[(variant_id, warehouse_id)] += quantity
    return {key: value for key, value in totals.items() if value}


def export_calls(run: SyncRun) -> int:
    """An export's billed calls with those of the order import it ran first (sync/inventory_catch_up.py)."""
    db.session.expire_all()
    catch_ups = db.session.scalars(
        select(SyncRun).where(
            SyncRun.channel_id == run.channel_id,
            SyncRun.action == SyncAction.IMPORT_ORDERS,
            SyncRun.trigger == SyncTrigger.CATCH_UP,
        )
    )
    return run.api_calls + sum(c.api_calls for c in catch_ups if c.params.get("for_export") == run.id)
