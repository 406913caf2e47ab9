"""techOMS -> store (issue #22): Cancel, Note and Void a shipment from the order page, each carried out once
by a background job against the simulator over HTTP, with the store's answer on the order and every call
counted as the store bills it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models.api_cost import ApiCallDay
from models.channels import AuditEvent
from models.orders import OrderStatus, SalesOrder
from models.shipments import ExportStatus, Shipment
from models.store_writes import StoreWrite, WriteState
from models.tenancy import Role
from sync import order_writes
from tests.support.shipments import export_channel, export_now, imported_orders, ship, store_shipments
from tests.support.sync import work
from tests.support.world import ROLE_EMAILS


def the_write(order: SalesOrder) -> StoreWrite:
    db.session.expire_all()
    return db.session.scalars(select(StoreWrite).where(StoreWrite.order_id == order.id)).one()


def billed_cost(channel) -> int:
    return sum(db.session.scalars(select(ApiCallDay.calls).where(ApiCallDay.channel_id == channel.id)))


def test_cancel_with_a_refund_error_shows_the_warning_and_cancels_once(simulator, world, client, login):
    store, channel = export_channel(simulator, world, orders=6, seed=71)
    order = imported_orders(channel, min_lines=2)[0]
    ship(order, [order.lines[0].quantity], "1ZWAIT")  # recorded, not yet exported
    simulator.set_faults(store, refund_fails=True)
    cost_before = billed_cost(channel)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])

    response = client.post(f"/orders/{order.id}/cancel")
    assert response.status_code == 303
    assert the_write(order).state == WriteState.QUEUED  # the request waits for no store call
    work()
    write = the_write(order)
    assert write.state == WriteState.DONE and write.calls == 1 == simulator.calls(store)["total"]
    assert write.store_errors == ["Unable to refund payment"]
    assert billed_cost(channel) - cost_before == 1
    order = db.session.get(SalesOrder, order.id)
    assert order.status == OrderStatus.CANCELLED
    assert all(line.allocated_quantity == 0 for line in order.lines)
    page = client.get(f"/orders/{order.id}").data.decode()
    assert "Unable to refund payment" in page and "act on it" in page
    assert "Cancel on the store</button>" not in page
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "store_cancel_requested"))
    # The recorded shipment is never sent to the cancelled order.
    export_now(channel)
    assert store_shipments(simulator, store, [order.external_id]) == []
    # Asked again: refused, no second call.
    client.post(f"/orders/{order.id}/cancel")
    work()
    assert simulator.calls(store)["total"] == 1


def test_an_unsure_cancel_is_checked_on_the_store_before_anything_is_sent_again(
    simulator, world, client, login
):
    store, channel = export_channel(simulator, world, orders=6, seed=73)
    order = imported_orders(channel)[0]
    simulator.set_faults(store, script=["error_after"])  # the store cancels, then answers 500
    login(ROLE_EMAILS[Role.ORG_OWNER])
    client.post(f"/orders/{order.id}/cancel")
    work()
    write = the_write(order)
    assert write.state == WriteState.UNSURE and write.attempts == 1

    assert order_writes.execute(write.id) == WriteState.DONE  # RQ's retry: one GET, the cancel is there
    write = the_write(order)
    assert write.attempts == 1 and write.calls == 2 == simulator.calls(store)["total"]
    assert db.session.get(SalesOrder, order.id).status == OrderStatus.CANCELLED


def test_a_note_is_appended_to_the_store_order(simulator, world, client, login):
    store, channel = export_channel(simulator, world, orders=6, seed=79)
    order = imported_orders(channel)[0]
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    response = client.post(f"/orders/{order.id}/notes", data={"note": "Gift wrap, please"})
    assert response.status_code == 303
    work()
    assert the_write(order).state == WriteState.DONE
    notes = simulator.admin("GET", f"/stores/{store.subdomain}/orders/{order.external_id}/payload")["notes"]
    assert [n["note"] for n in notes if n["username"] == "API"] == ["Gift wrap, please"]
    assert client.post(f"/orders/{order.id}/notes", data={"note": ""}).status_code == 422
    assert client.post(f"/orders/{order.id}/cancel").status_code == 403  # an account user may not cancel


def test_void_a_shipment_sent_with_a_wrong_tracking_number_then_export_the_corrected_one(
    simulator, world, client, login
):
    store, channel = export_channel(simulator, world, orders=6, seed=83)
    order = imported_orders(channel)[0]
    wrong = ship(order, [line.quantity for line in order.lines if line.is_physical], "1ZWRONG")
    export_now(channel)
    assert db.session.get(Shipment, wrong.id).export_status == ExportStatus.SENT
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    assert client.post(f"/orders/{order.id}/shipments/{wrong.id}/void").status_code == 303
    work()
    assert the_write(order).state == WriteState.DONE
    assert store_shipments(simulator, store, [order.external_id]) == []
    order = db.session.get(SalesOrder, order.id)
    assert db.session.get(Shipment, wrong.id).export_status == ExportStatus.VOIDED
    assert all(line.shipped_quantity == 0 for line in order.lines)
    assert order.status == OrderStatus.RELEASED and order.closed_at is None

    ship(order, [line.quantity for line in order.lines if line.is_physical], "1ZRIGHT")
    export_now(channel)
    assert [s["tracking_number"] for s in store_shipments(simulator, store, [order.external_id])] == [
        "1ZRIGHT"
    ]


@pytest.mark.parametrize("path", ["cancel", "notes"])
def test_another_tenants_order_is_a_404(world, client, login, path):
    from tests.support.shipments import order_to_ship

    other = order_to_ship(world.b.channel, 2, number="B-9")
    login(ROLE_EMAILS[Role.ORG_OWNER])
    assert client.post(f"/orders/{other.id}/{path}", data={"note": "x"}).status_code == 404
    assert db.session.scalar(select(StoreWrite.id)) is None


def test_acknowledge_marks_the_store_order_in_progress_or_back_ordered_and_respects_moas(
    simulator, world, client, login
):
    from tests.support.inventory import map_warehouse
    from tests.support.sync import import_now, next_second

    store, channel = export_channel(simulator, world, orders=8, seed=89)
    order = imported_orders(channel)[0]  # no warehouse mapped: nothing held, so short of stock
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    client.post(f"/orders/{order.id}/acknowledge")
    work()
    assert the_write(order).store_status == "back_ordered"
    assert simulator.inspect_order(store, order.external_id)["status"] == "back_ordered"

    map_warehouse(channel, world.a.warehouse)
    second = imported_orders(channel)[1]
    next_second()
    simulator.mutate_order(store, second.external_id, "status", status="moas_pending")
    next_second()
    import_now(channel)
    calls = simulator.calls(store)["total"]
    client.post(f"/orders/{second.id}/acknowledge")
    work()
    assert db.session.scalar(select(StoreWrite.id).where(StoreWrite.order_id == second.id)) is None
    assert simulator.calls(store)["total"] == calls  # refused without a call
