"""Hold / Release on the order page (issue #22): techOMS only, audited; a held order takes no shipment and is
not exported until released; the policy table decides who may; another tenant's order is a 404."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.channels import AuditEvent
from models.orders import SalesOrder
from models.shipments import ExportStatus
from models.tenancy import Role
from services.shipments import export_state
from tests.support.shipments import carriers, line_ids, order_to_ship, ship
from tests.support.world import ROLE_EMAILS


def shipment_form(order: SalesOrder, quantities: list[int]) -> dict[str, str]:
    data = {f"quantity_{line_id}": str(q) for line_id, q in zip(line_ids(order), quantities, strict=True)}
    service = carriers()[("UPS", "GND")]
    return {
        **data,
        "carrier_service_id": str(service.id),
        "warehouse_id": "",
        "tracking_number": "1ZHOLD2",
        "ship_date": "2026-11-30",
        "note": "",
    }


def test_a_held_order_takes_no_shipment_and_is_not_exported_until_released(client, world, login):
    order = order_to_ship(world.a.channel, 3, 2)
    waiting = ship(order, [1, 0], "1ZHOLD1")
    assert export_state.work_order_ids(world.a.channel) == [order.id]
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])

    response = client.post(f"/orders/{order.id}/hold", data={"reason": "address check"})
    assert response.status_code == 303
    db.session.refresh(order)
    assert order.held_at is not None and order.hold_reason == "address check"
    page = client.get(f"/orders/{order.id}").data.decode()
    assert "On hold" in page and "address check" in page and "Release" in page
    assert export_state.work_order_ids(world.a.channel) == []  # not exported while held
    response = client.post(f"/orders/{order.id}/shipments", data=shipment_form(order, [1, 1]))
    assert response.status_code == 422 and "on hold" in response.data.decode()

    response = client.post(f"/orders/{order.id}/release")
    assert response.status_code == 303
    db.session.refresh(order)
    assert order.held_at is None and order.hold_reason == ""
    assert export_state.work_order_ids(world.a.channel) == [order.id]
    assert waiting.export_status == ExportStatus.WAITING
    rows = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.channel_id == world.a.channel.id,
            AuditEvent.action.in_(["order_held", "order_released"]),
        )
        .order_by(AuditEvent.id)
    ).all()
    assert [(r.action, r.field, r.new_value) for r in rows] == [
        ("order_held", f"order {order.number}", "address check"),
        ("order_released", f"order {order.number}", "released"),
    ]


def test_who_may_hold_and_the_tenant_boundary(app, client, world, login):
    order = order_to_ship(world.a.channel, 2)
    other = order_to_ship(world.b.channel, 2, number="B-1")
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.post(f"/orders/{order.id}/hold", data={"reason": ""}).status_code == 403
    assert "Hold</button>" not in client.get(f"/orders/{order.id}").data.decode()
    client = login(ROLE_EMAILS[Role.ORG_SUPERVISOR], on=app.test_client())
    assert client.post(f"/orders/{other.id}/hold", data={"reason": ""}).status_code == 404
    response = client.post(f"/orders/{order.id}/hold", data={"reason": "x" * 300})
    assert response.status_code == 422
    assert db.session.get(SalesOrder, order.id).held_at is None


def test_moas_on_the_store_holds_the_order_and_its_approval_releases_it(simulator, world):
    from tests.support.shipments import export_channel, imported_orders
    from tests.support.sync import import_now, next_second

    store, channel = export_channel(simulator, world, orders=6, seed=97)
    order = imported_orders(channel)[0]
    next_second()
    simulator.mutate_order(store, order.external_id, "status", status="moas_pending")
    next_second()
    import_now(channel)
    order = db.session.get(SalesOrder, order.id)
    assert order.held_at is not None and "Manager Order Approval" in order.hold_reason
    assert export_state.work_order_ids(channel) == []
    next_second()
    simulator.mutate_order(store, order.external_id, "status", status="paid")
    next_second()
    import_now(channel)
    order = db.session.get(SalesOrder, order.id)
    assert order.held_at is None
