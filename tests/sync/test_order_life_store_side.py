"""The store's side of an order's life after import (issue #22), against the simulator over HTTP: shipments
the store made itself, a store cancel whatever techOMS recorded, address edits after shipping, carriers
resolved again."""

from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models.activity import EventLevel, SyncEvent
from models.catalog import InventoryLevel
from models.orders import OrderStatus, SalesOrder
from models.shipments import ExportProblem, ExportStatus, Shipment, ShipmentOrigin
from tests.support.inventory import map_warehouse
from tests.support.mappings import add_carrier_mapping
from tests.support.shipments import (
    api_key,
    carriers,
    export_channel,
    export_now,
    imported_orders,
    post_shipment,
    ship,
    shipment_body,
    store_shipments,
)
from tests.support.sync import STATUSES, catalog_for, import_now, make_store, next_second, sync_channel


def order_events(order: SalesOrder, level: EventLevel | None = None) -> list[str]:
    query = select(SyncEvent.message).where(SyncEvent.order_id == order.id)
    if level is not None:
        query = query.where(SyncEvent.level == level)
    return list(db.session.scalars(query))


def allocated_total() -> int:
    return db.session.scalar(select(func.coalesce(func.sum(InventoryLevel.allocated), 0)))


OPEN = (OrderStatus.DRAFT, OrderStatus.APPROVED, OrderStatus.RELEASED, OrderStatus.PARTIALLY_SHIPPED)


def held_by_orders(channel) -> int:
    """What the open orders' lines still need: ordered minus shipped, counted independently of allocation."""
    total = 0
    for order in db.session.scalars(select(SalesOrder).where(SalesOrder.channel_id == channel.id)):
        if order.status in OPEN:
            total += sum(line.quantity - line.shipped_quantity for line in order.lines if line.variant_id)
    return total


def test_orders_partly_shipped_on_the_store_come_in_with_their_shipments(simulator, world, client):
    store = make_store(
        simulator, seed=31, products=5, orders=40, moas_rate=0, gift_rate=0, partly_shipped_rate=0.5
    )
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account, statuses=[*STATUSES, "split"])
    map_warehouse(channel, world.a.warehouse)
    baseline = allocated_total()  # what the world's own orders hold
    run = import_now(channel)
    assert run.counts.get("created"), run.counts
    on_store = {s["order_id"]: s for s in store_shipments(simulator, store)}
    split = [o for o in imported_orders(channel) if o.store_status == "split"]
    assert split, "the generator made no partly shipped order"
    for order in split:
        shipped = {line.external_line_id: line.shipped_quantity for line in order.lines}
        store_order = simulator.admin("GET", f"/stores/{store.subdomain}/orders/{order.external_id}/payload")
        for item in store_order["line_items"]:
            wanted = sum(
                q["quantity"]
                for s in store_order["shipments"]
                for q in s["line_items"]
                if q["id"] == item["id"]
            )
            assert shipped[item["id"]] == wanted
        recorded = db.session.scalars(select(Shipment).where(Shipment.order_id == order.id)).all()
        assert [(s.origin, s.export_status) for s in recorded] == [(ShipmentOrigin.STORE, ExportStatus.SENT)]
        assert recorded[0].store_shipment_id == on_store[order.external_id]["id"]
        assert order.status == OrderStatus.PARTIALLY_SHIPPED
    # What the store shipped holds no stock.
    assert allocated_total() - baseline == held_by_orders(channel)

    # The shipment API refuses more than what is left, counting what the store shipped.
    order = next(o for o in split if o.lines[0].shipped_quantity)
    line = order.lines[0]
    key = api_key(world.a.account)
    quantities = [line.quantity] + [0] * (len(order.lines) - 1)
    response = post_shipment(client, key, order.id, shipment_body(order, quantities))
    assert response.status_code == 422, response.json
    assert (
        f"more than the {line.quantity - line.shipped_quantity} left" in response.json["errors"]["lines"][0]
    )

    # Nothing is exported for them, and a second import adds nothing.
    add_carrier_mapping(channel, carriers()[("UPS", "GND")], "UPS Ground", primary=True)
    simulator.reset_calls(store)
    export = export_now(channel)
    assert export.api_calls == 0 == simulator.calls(store)["total"]
    count = db.session.scalar(select(func.count(Shipment.id)))
    import_now(channel)
    assert db.session.scalar(select(func.count(Shipment.id))) == count


def test_a_later_store_shipment_is_added_on_the_next_read(simulator, world):
    store, channel = export_channel(simulator, world, orders=6, seed=41)
    map_warehouse(channel, world.a.warehouse)
    import_now(channel)  # the lines hold their stock in the mapped warehouse
    order = next(o for o in imported_orders(channel) if o.lines[0].quantity > 1)
    before = allocated_total()
    next_second()
    first = order.lines[0]
    simulator.admin(
        "POST",
        f"/stores/{store.subdomain}/orders/{order.external_id}/ship",
        {"lines": [[first.external_line_id, 1]], "tracking_number": "VENDOR-1"},
    )
    next_second()
    run = import_now(channel)
    assert run.counts.get("updated") == 1, run.counts
    db.session.expire_all()
    order = db.session.get(SalesOrder, order.id)
    assert order.lines[0].shipped_quantity == 1
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    assert allocated_total() == before - 1
    assert any("VENDOR-1" in m for m in order_events(order))


def test_a_store_cancel_after_a_recorded_shipment_cancels_and_stops_it(simulator, world, client):
    """The issue's reproduction: a recorded (not yet exported) shipment of one line, then a store cancel."""
    store, channel = export_channel(simulator, world, orders=8, seed=43)
    order = imported_orders(channel, min_lines=2)[0]
    shipment = ship(order, [order.lines[0].quantity], "1ZCANCEL1")
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    next_second()
    simulator.mutate_order(store, order.external_id, "cancel")
    next_second()
    import_now(channel)
    db.session.expire_all()
    order = db.session.get(SalesOrder, order.id)
    assert order.status == OrderStatus.CANCELLED and order.store_status == "canceled"
    assert all(line.allocated_quantity == 0 for line in order.lines)
    warnings = order_events(order, EventLevel.WARNING)
    assert any(f"after {order.lines[0].quantity} units shipped" in m and "1ZCANCEL1" in m for m in warnings)
    shipment = db.session.get(Shipment, shipment.id)
    assert (shipment.export_status, shipment.export_problem) == (
        ExportStatus.ERROR,
        ExportProblem.ORDER_CANCELLED,
    )

    # The export sends nothing to the cancelled order, and a new shipment is refused with a 409.
    simulator.reset_calls(store)
    export_now(channel)
    assert simulator.calls(store)["total"] == 0
    assert store_shipments(simulator, store, [order.external_id]) == []
    key = api_key(world.a.account)
    quantities = [0] + [line.quantity for line in order.lines[1:]]
    response = post_shipment(client, key, order.id, shipment_body(order, quantities))
    assert response.status_code == 409 and "cancelled" in response.json["errors"]["order"][0]


def test_the_export_checks_the_cancel_state_before_sending(simulator, world):
    """Cancelled on the store and seen by the listing only: the waiting shipment is never sent."""
    store, channel = export_channel(simulator, world, orders=6, seed=47)
    order = imported_orders(channel)[0]
    ship(order, [order.lines[0].quantity], "1ZNOTSENT")
    next_second()
    simulator.mutate_order(store, order.external_id, "cancel")
    order.store_status = "canceled"  # what a listing that saw the cancel would leave before the export
    db.session.commit()
    simulator.reset_calls(store)
    run = export_now(channel)
    assert simulator.calls(store)["total"] == 0
    assert run.counts.get("not_sent_cancelled") == 1
    assert store_shipments(simulator, store, [order.external_id]) == []


def test_an_address_edit_after_shipping_is_shown_as_not_applied(simulator, world):
    store, channel = export_channel(simulator, world, orders=6, seed=53)
    order = imported_orders(channel, min_lines=2)[0]
    city = next(a.city for a in order.addresses if a.kind == "shipping")
    ship(order, [order.lines[0].quantity], "1ZADDR")
    next_second()
    simulator.admin(
        "POST",
        f"/stores/{store.subdomain}/orders/{order.external_id}/address",
        {"shipping_address": {"city": "Elsewhere"}},
    )
    next_second()
    import_now(channel)
    db.session.expire_all()
    order = db.session.get(SalesOrder, order.id)
    assert next(a.city for a in order.addresses if a.kind == "shipping") == city
    warnings = order_events(order, EventLevel.WARNING)
    assert any("changed the shipping address after" in m and "not applied" in m for m in warnings), warnings
    assert not any("Elsewhere" in m for m in order_events(order))  # names the field, never the value


def test_the_carrier_is_resolved_again_when_the_order_is_read_again(simulator, world):
    store = make_store(simulator, seed=59, products=5, orders=6, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    import_now(channel)
    order = imported_orders(channel)[0]
    assert order.carrier_code is None
    ship(order, [1], "1ZCARRIER")  # released to fulfilment: the store's changes no longer overwrite it
    add_carrier_mapping(channel, carriers()[("UPS", "GND")], order.shipping_method, primary=True)
    next_second()
    simulator.mutate_order(store, order.external_id, "status", status="in_progress")
    next_second()
    import_now(channel)
    db.session.expire_all()
    order = db.session.get(SalesOrder, order.id)
    assert (order.carrier_code, order.service_code) == ("UPS", "GND")
