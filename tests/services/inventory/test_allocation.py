"""Allocation: imported orders hold their physical lines in the channel's primary mapped warehouse; edits,
shipments and cancellations move it; `allocated` always equals the allocation rebuilt from the orders."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models.catalog import InventoryLevel
from models.orders import OrderStatus, SalesOrder, SalesOrderLine
from services.inventory import allocation
from tests.support.inventory import (
    add_warehouse,
    allocated_levels,
    export_now,
    map_warehouse,
    rebuilt_allocation,
    set_stock,
    store_quantities,
)
from tests.support.queries import recorded_statements
from tests.support.sync import (
    catalog_for,
    import_now,
    make_store,
    next_second,
    store_order_ids,
    sync_channel,
)


def orders_setup(simulator, tenant, *, mapped: bool = True, seed: int = 5):
    # The world's levels carry allocated figures typed by hand (from before allocation followed orders).
    db.session.execute(InventoryLevel.__table__.update().values(allocated=0))
    db.session.commit()
    store = make_store(simulator, seed=seed, products=4, orders=25, moas_rate=0, gift_rate=0.3)
    variants = catalog_for(simulator, store, tenant.account)
    channel = sync_channel(store, tenant.account)
    if mapped:
        map_warehouse(channel, tenant.warehouse)
    return store, channel, variants


def order(external_id: int) -> SalesOrder:
    db.session.expire_all()
    return db.session.scalar(select(SalesOrder).where(SalesOrder.external_id == external_id))


def an_order_holding_stock(channel) -> SalesOrder:
    return db.session.scalar(
        select(SalesOrder)
        .join(SalesOrderLine)
        .where(SalesOrder.channel_id == channel.id, SalesOrderLine.allocated_quantity > 0)
        .order_by(SalesOrder.id)
        .limit(1)
    )


def held(variant_id: int, warehouse_id: int) -> int:
    return allocated_levels().get((variant_id, warehouse_id), 0)


def test_imported_orders_hold_their_lines_in_the_primary_warehouse(simulator, world):
    store, channel, _variants = orders_setup(simulator, world.a)
    second = add_warehouse(world.a, "WEST")
    map_warehouse(channel, second, "2")  # mapped after the first: not the primary

    import_now(channel)

    assert allocation.primary_warehouse_id(channel) == world.a.warehouse.id
    rebuilt = rebuilt_allocation(world.a.warehouse.id)
    assert rebuilt and allocated_levels() == rebuilt
    assert not [key for key in allocated_levels() if key[1] == second.id]
    gift_lines = db.session.scalars(select(SalesOrderLine).where(SalesOrderLine.is_physical.is_(False))).all()
    assert gift_lines and all(line.allocated_quantity == 0 for line in gift_lines)


def test_a_customer_edit_and_a_cancellation_move_the_allocation(simulator, world):
    store, channel, _variants = orders_setup(simulator, world.a)
    import_now(channel)
    edited, cancelled = sorted(store_order_ids(simulator, store))[:2]
    line = order(edited).lines[0]
    variant_id, before = line.variant_id, held(line.variant_id, world.a.warehouse.id)
    simulator.mutate_order(store, edited, "edit", line_id=line.external_line_id, quantity=line.quantity + 4)
    simulator.mutate_order(store, cancelled, "cancel")
    gone = sum(ln.quantity for ln in order(cancelled).lines if ln.is_physical and ln.variant_id == variant_id)
    next_second()

    import_now(channel)

    assert order(cancelled).status == OrderStatus.CANCELLED
    assert all(ln.allocated_quantity == 0 for ln in order(cancelled).lines)
    assert held(variant_id, world.a.warehouse.id) == before + 4 - gone
    assert allocated_levels() == rebuilt_allocation(world.a.warehouse.id)


def test_a_shipment_releases_what_it_ships_and_never_more(simulator, world):
    store, channel, _variants = orders_setup(simulator, world.a)
    import_now(channel)
    line = next(
        ln
        for external_id in sorted(store_order_ids(simulator, store))
        for ln in order(external_id).lines
        if ln.is_physical and ln.quantity >= 2
    )
    place = (line.variant_id, world.a.warehouse.id)
    before = held(*place)

    allocation.release_lines([(line.id, 1)])  # the call the shipment service makes
    db.session.commit()
    assert held(*place) == before - 1

    allocation.release_lines([(line.id, line.quantity + 5)])  # more than the line still holds
    db.session.commit()
    assert held(*place) == before - line.quantity
    allocation.release_lines([(line.id, 1)])  # nothing left to give back
    db.session.commit()
    assert held(*place) == before - line.quantity
    assert db.session.get(SalesOrderLine, line.id).allocated_quantity == 0


def test_orders_imported_before_any_warehouse_was_mapped_are_allocated_later(simulator, world):
    store, channel, _variants = orders_setup(simulator, world.a, mapped=False)
    import_now(channel)
    assert allocated_levels() == {}

    map_warehouse(channel, world.a.warehouse)
    import_now(channel)  # nothing changed on the store: the waiting lines are allocated all the same

    assert allocated_levels() == rebuilt_allocation(world.a.warehouse.id) != {}


def test_waiting_lines_are_allocated_a_batch_at_a_time_and_every_one_once(simulator, world, monkeypatch):
    store, channel, _variants = orders_setup(simulator, world.a, mapped=False)
    import_now(channel)
    waiting = db.session.scalar(
        select(func.count())
        .select_from(SalesOrderLine)
        .join(SalesOrder)
        .where(
            SalesOrderLine.is_physical,
            SalesOrderLine.variant_id.is_not(None),
            SalesOrder.channel_id == channel.id,
        )
        .where(SalesOrder.status.in_([s.value for s in allocation.OPEN_STATUSES]))
        .where(SalesOrderLine.quantity > SalesOrderLine.shipped_quantity)  # shipped whole: needs nothing
    )
    assert waiting > 7
    map_warehouse(channel, world.a.warehouse)
    monkeypatch.setattr(allocation, "WAITING_BATCH", 3)  # many batches, the last one short

    assert allocation.allocate_waiting(channel, world.a.warehouse.id) == waiting
    db.session.commit()

    assert allocated_levels() == rebuilt_allocation(world.a.warehouse.id) != {}
    assert allocation.allocate_waiting(channel, world.a.warehouse.id) == 0  # none left waiting


def test_changes_inside_written_once_are_summed_and_written_at_its_end(simulator, world):
    store, channel, _variants = orders_setup(simulator, world.a)
    import_now(channel)
    placed = an_order_holding_stock(channel)
    line = next(li for li in placed.lines if li.allocated_quantity)
    place, quantity = (line.allocated_variant_id, line.allocated_warehouse_id), line.allocated_quantity
    before = held(*place)

    with recorded_statements() as statements, allocation.written_once():
        allocation.release_order(placed)
        assert not any("inventory_level" in s for s in statements)  # nothing written yet: summed
        allocation.allocate_order(placed, world.a.warehouse.id)
    db.session.commit()

    # Released and held again: the sum is nothing, so nothing is written and the level is as it was.
    assert not any("inventory_level" in s for s in statements)
    assert held(*place) == before
    assert allocated_levels() == rebuilt_allocation(world.a.warehouse.id)

    with recorded_statements() as statements, allocation.written_once():
        allocation.release_order(placed)
    db.session.commit()
    assert sum(s.lstrip().upper().startswith("UPDATE INVENTORY_LEVEL") for s in statements) == 1
    assert held(*place) == before - quantity


def test_an_error_inside_written_once_writes_nothing(simulator, world):
    store, channel, _variants = orders_setup(simulator, world.a)
    import_now(channel)
    placed = an_order_holding_stock(channel)
    with recorded_statements() as statements, pytest.raises(RuntimeError), allocation.written_once():
        allocation.release_order(placed)
        raise RuntimeError("the chunk failed")
    assert not any("inventory_level" in s for s in statements)
    db.session.rollback()
    assert allocated_levels() == rebuilt_allocation(world.a.warehouse.id)


def test_available_stock_published_is_net_of_the_allocation(simulator, world):
    store, channel, variants = orders_setup(simulator, world.a)
    for variant in variants.values():
        set_stock(variant, world.a.warehouse, 40)
    import_now(channel)
    rebuilt = rebuilt_allocation(world.a.warehouse.id)

    export_now(channel)

    shown = store_quantities(simulator, store)
    for sku, variant in variants.items():
        if sku in shown:
            assert shown[sku] == max(40 - rebuilt.get((variant.id, world.a.warehouse.id), 0), 0), sku


def test_a_stock_update_and_an_allocation_at_the_same_time_lose_neither(world):
    """The stock form writes on hand from a level read earlier; an order allocated meanwhile must survive."""
    level = world.a.level  # loaded by this session: on hand 10, allocated 2
    assert (level.on_hand, level.allocated) == (10, 2)
    # Another transaction (an import) allocates 5 more with its relative UPDATE, and commits.
    with db.engine.begin() as other:
        other.execute(
            InventoryLevel.__table__.update()
            .where(InventoryLevel.__table__.c.id == level.id)
            .values(allocated=InventoryLevel.__table__.c.allocated + 5)
        )
    from services.catalog import adjust_stock

    adjust_stock(level, 30, None, "count")  # from the stale object: allocated still looks like 2 here
    db.session.commit()

    db.session.expire_all()
    fresh = db.session.get(InventoryLevel, level.id)
    assert (fresh.on_hand, fresh.allocated) == (30, 7)
