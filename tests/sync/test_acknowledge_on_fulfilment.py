"""Advanced settings › "Mark orders In progress on the store when fulfilment starts" (issue #22): the first
shipment recorded for an order that leaves units to ship sets the store order In progress (Back ordered when
the stock held is short), once, audited, each call counted; against the simulator over HTTP, with faults."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models.api_cost import ApiCallDay
from models.channels import AuditEvent
from models.orders import SalesOrder
from models.store_writes import StoreWrite, WriteKind, WriteState
from models.tenancy import Role
from services.inventory import allocation
from sync import order_writes
from tests.support.inventory import map_warehouse, set_stock
from tests.support.shipments import (
    api_key,
    carriers,
    export_channel,
    imported_orders,
    line_ids,
    post_shipment,
    ship,
    shipment_body,
)
from tests.support.sync import work
from tests.support.world import ROLE_EMAILS


def acknowledgements(order: SalesOrder) -> list[StoreWrite]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(StoreWrite).where(
                StoreWrite.order_id == order.id, StoreWrite.kind == WriteKind.ACKNOWLEDGE
            )
        )
    )


def billed_cost(channel) -> int:
    return sum(db.session.scalars(select(ApiCallDay.calls).where(ApiCallDay.channel_id == channel.id)))


def store_status(simulator, store, order: SalesOrder) -> str:
    return simulator.inspect_order(store, order.external_id)["status"]


def add_shipment_form(order: SalesOrder, quantities: list[int], tracking: str) -> dict[str, str]:
    service = carriers()[("UPS", "GND")]
    data = {f"quantity_{line_id}": str(q) for line_id, q in zip(line_ids(order), quantities, strict=False)}
    return {
        **data,
        "carrier_service_id": str(service.id),
        "warehouse_id": "",
        "tracking_number": tracking,
        "ship_date": "2026-11-30",
        "note": "",
    }


def to_start(channel) -> list[SalesOrder]:
    """Orders of two lines or more the store does not show In progress or Back ordered already."""
    orders = imported_orders(channel, min_lines=2)
    return [o for o in orders if o.store_status not in ("in_progress", "back_ordered")]


def allocate_everything(world, channel) -> None:
    map_warehouse(channel, world.a.warehouse)
    for order in imported_orders(channel):
        for line in order.lines:
            if line.variant is not None:
                set_stock(line.variant, world.a.warehouse, 10_000)
    allocation.allocate_waiting(channel, world.a.warehouse.id)
    db.session.commit()


def test_the_first_partial_shipment_marks_the_store_order_in_progress_once(simulator, world, client, login):
    store, channel = export_channel(
        simulator, world, orders=8, seed=89, acknowledge_when_fulfilment_starts=True
    )
    allocate_everything(world, channel)
    order = to_start(channel)[0]
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    cost_before = billed_cost(channel)

    first = [order.lines[0].quantity] + [0] * (len(order.lines) - 1)
    assert (
        client.post(
            f"/orders/{order.id}/shipments", data=add_shipment_form(order, first, "1ZACK1")
        ).status_code
        == 303
    )
    [write] = acknowledgements(order)
    assert write.state == WriteState.QUEUED and write.store_status == "in_progress"
    work()
    [write] = acknowledgements(order)
    assert write.state == WriteState.DONE and write.calls == 1 == simulator.calls(store)["total"]
    assert store_status(simulator, store, order) == "in_progress"
    assert billed_cost(channel) - cost_before == 1  # the channel's API cost counts it
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "store_acknowledge_requested")
    ).one()
    assert audit.field == f"order {order.number}" and audit.new_value == "fulfilment started"

    # The next shipment of the same order asks for nothing more.
    second = [0, order.lines[1].quantity] + [0] * (len(order.lines) - 2)
    client.post(f"/orders/{order.id}/shipments", data=add_shipment_form(order, second, "1ZACK2"))
    work()
    assert len(acknowledgements(order)) == 1 and simulator.calls(store)["total"] == 1
    page = client.get(f"/orders/{order.id}").data.decode()
    assert "Acknowledge" in page and "in_progress" in page.replace("In progress", "in_progress")


def test_a_shipment_through_the_api_with_stock_short_marks_it_back_ordered(simulator, world, client):
    store, channel = export_channel(
        simulator, world, orders=8, seed=97, acknowledge_when_fulfilment_starts=True
    )
    order = to_start(channel)[0]  # no warehouse mapped: nothing held, short of stock
    key = api_key(world.a.account)
    body = shipment_body(order, [order.lines[0].quantity], tracking_number="1ZAPIACK")
    assert post_shipment(client, key, order.id, body).status_code == 201
    work()
    [write] = acknowledgements(order)
    assert write.state == WriteState.DONE and write.store_status == "back_ordered"
    assert store_status(simulator, store, order) == "back_ordered"
    assert simulator.calls(store)["total"] == 1


def test_nothing_is_sent_when_the_setting_is_off_or_the_order_ships_in_full_at_once(simulator, world):
    store, channel = export_channel(simulator, world, orders=8, seed=101)
    orders = to_start(channel)
    ship(orders[0], [orders[0].lines[0].quantity], "1ZOFF")  # off: nothing
    channel.acknowledge_when_fulfilment_starts = True
    db.session.commit()
    full = orders[1]
    from services.orders import store_writes

    ship(full, [line.quantity for line in full.lines if line.is_physical], "1ZFULL")
    assert store_writes.acknowledge_when_fulfilment_starts(db.session.get(SalesOrder, full.id), None) is None
    assert acknowledgements(orders[0]) == [] and acknowledgements(full) == []
    assert simulator.calls(store)["total"] == 0


def test_an_acknowledgement_overtaken_by_the_full_shipment_is_not_sent(simulator, world, client, login):
    store, channel = export_channel(
        simulator, world, orders=8, seed=103, acknowledge_when_fulfilment_starts=True
    )
    order = to_start(channel)[0]
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    first = [order.lines[0].quantity] + [0] * (len(order.lines) - 1)
    client.post(f"/orders/{order.id}/shipments", data=add_shipment_form(order, first, "1ZLATE1"))
    # Before the worker gets to it, the rest ships: In progress would now undo what the store should show.
    ship(order, [0] + [line.quantity for line in order.lines[1:] if line.is_physical], "1ZLATE2")
    work()
    [write] = acknowledgements(order)
    assert write.state == WriteState.FAILED and "Not sent" in write.error and write.calls == 0
    assert simulator.calls(store)["total"] == 0


def test_dropped_after_the_store_acted_it_is_read_before_any_resend_and_never_sent_twice(simulator, world):
    store, channel = export_channel(
        simulator, world, orders=8, seed=107, acknowledge_when_fulfilment_starts=True
    )
    allocate_everything(world, channel)
    from services.orders import store_writes

    orders = to_start(channel)[:2]
    writes = []
    for n, order in enumerate(orders):
        ship(order, [order.lines[0].quantity], f"1ZDROP{n}")
        writes.append(
            store_writes.acknowledge_when_fulfilment_starts(db.session.get(SalesOrder, order.id), None)
        )
        db.session.commit()
    # The first PUT stands but its answer is lost; the second is answered 500 before the store acts.
    simulator.set_faults(store, script=["drop_after", "500"])
    for write in writes:
        with pytest.raises(order_writes.TryAgainLater):
            order_writes.execute(write.id)
    db.session.expire_all()
    assert [db.session.get(StoreWrite, w.id).state for w in writes] == [WriteState.UNSURE] * 2

    # The job's next tries: each reads the order (1 GET) and sends only what is not there.
    for write in writes:
        assert order_writes.execute(write.id) == WriteState.DONE
    db.session.expire_all()
    stood, refused = (db.session.get(StoreWrite, w.id) for w in writes)
    assert (stood.attempts, stood.calls) == (1, 2)  # the PUT, then the read that found it: never sent again
    assert (refused.attempts, refused.calls) == (2, 3)  # the PUT, the read, the PUT again
    assert [store_status(simulator, store, o) for o in orders] == ["in_progress", "in_progress"]
    assert simulator.calls(store)["total"] == 5 == stood.calls + refused.calls
