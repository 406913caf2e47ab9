"""One timeline per order and "Read again from the store" (issue #22), against the simulator over HTTP."""

from __future__ import annotations

from extensions import db
from models.orders import SalesOrder
from models.tenancy import Role
from services.orders.timeline import timeline
from tests.support.shipments import export_channel, export_now, imported_orders, ship
from tests.support.sync import next_second, work
from tests.support.world import ROLE_EMAILS


def test_the_timeline_tells_the_orders_story_and_read_again_costs_one_call(simulator, world, client, login):
    store, channel = export_channel(simulator, world, orders=6, seed=101)
    order = imported_orders(channel, min_lines=2)[0]
    ship(order, [order.lines[0].quantity], "1ZTIME1")
    export_now(channel)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    client.post(f"/orders/{order.id}/hold", data={"reason": "check"})
    client.post(f"/orders/{order.id}/release")
    client.post(f"/orders/{order.id}/notes", data={"note": "Call before delivery"})
    work()

    # The store ships the rest itself; "Read again" brings it in with one billed call.
    next_second()
    rest = [[line.external_line_id, line.quantity] for line in order.lines[1:] if line.is_physical]
    simulator.admin(
        "POST",
        f"/stores/{store.subdomain}/orders/{order.external_id}/ship",
        {"lines": rest, "tracking_number": "VENDOR-9"},
    )
    simulator.reset_calls(store)
    assert client.post(f"/orders/{order.id}/read-again").status_code == 303
    work()
    assert simulator.calls(store)["total"] == 1
    order = db.session.get(SalesOrder, order.id)
    assert all(line.shipped_quantity == line.quantity for line in order.lines if line.is_physical)

    kinds_and_texts = [(e.kind, e.text) for e in timeline(order)]
    texts = " | ".join(t for _, t in kinds_and_texts)
    assert kinds_and_texts[0][0] == "imported" and "Imported by poll (run" in kinds_and_texts[0][1]
    for expected in (
        "Shipment 1ZTIME1",
        "recorded",
        "sent: store shipment",
        "Held: check",
        "Released from hold",
        "Note: Done, 1 call(s)",
        "VENDOR-9",
    ):
        assert expected in texts, (expected, texts)
    page = client.get(f"/orders/{order.id}").data.decode()
    assert 'data-testid="timeline"' in page and "VENDOR-9" in page and "Read again from the store" in page


def test_an_account_user_may_read_again_but_not_from_another_tenant(world, client, login):
    from tests.support.shipments import order_to_ship

    other = order_to_ship(world.b.channel, 1, number="B-7")
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.post(f"/orders/{other.id}/read-again").status_code == 404
