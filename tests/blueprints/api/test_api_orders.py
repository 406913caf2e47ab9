"""GET /api/v1/orders and /api/v1/orders/<id>: keyset pages, the ready filter, 422s naming the field, the
detail's lines and purged customer data, and other accounts (404 / never listed)."""

from __future__ import annotations

from sqlalchemy import update

from extensions import db
from models.base import utcnow
from models.orders import OrderStatus, SalesOrder, SalesOrderLine
from tests.support.orders import SHIPPING, make_order
from tests.support.shipments import api_key, post_shipment, shipment_body


def get(client, key: str, path: str):
    return client.get(path, headers={"Authorization": f"Bearer {key}"})


def allocate(order: SalesOrder, warehouse_id: int) -> None:
    db.session.execute(
        update(SalesOrderLine)
        .where(SalesOrderLine.order_id == order.id)
        .values(allocated_quantity=SalesOrderLine.quantity, allocated_warehouse_id=warehouse_id)
    )
    db.session.commit()


def test_pages_follow_the_cursor_and_new_orders_neither_shift_nor_repeat_them(client, world):
    key = api_key(world.a.account)
    first = [make_order(world.a.channel).id for _ in range(5)]
    page = get(client, key, "/api/v1/orders?limit=2").json
    assert [o["id"] for o in page["orders"]] == first[:2] and page["next_cursor"]
    make_order(world.a.channel)  # a concurrent import between two pages
    seen = [o["id"] for o in page["orders"]]
    while page["next_cursor"]:
        page = get(client, key, f"/api/v1/orders?limit=2&cursor={page['next_cursor']}").json
        seen += [o["id"] for o in page["orders"]]
    assert seen[:5] == first and len(seen) == len(set(seen)) == 6
    make_order(world.b.channel)
    listed = get(client, key, "/api/v1/orders").json["orders"]
    assert all(o["channel_id"] == world.a.channel.id for o in listed)


def test_ready_pages_start_at_the_first_open_order_after_the_cursor(client, world):
    """Shipped orders before, between and after the ready ones, an open order of another account below
    them, a held one: the ready pages list exactly the ready orders, each once, in id order."""
    key = api_key(world.a.account)
    warehouse = world.a.warehouse.id
    other = make_order(world.b.channel)
    allocate(other, world.b.warehouse.id)
    shipped = [{"quantity": 2, "shipped_quantity": 2}]
    for _ in range(3):
        make_order(world.a.channel, status=OrderStatus.SHIPPED, lines=shipped)
    ready = []
    for n in range(5):
        order = make_order(world.a.channel)
        allocate(order, warehouse)
        ready.append(order.id)
        make_order(world.a.channel, status=OrderStatus.SHIPPED, lines=shipped)
        if n == 2:
            held = make_order(world.a.channel)
            allocate(held, warehouse)
            db.session.execute(update(SalesOrder).where(SalesOrder.id == held.id).values(held_at=utcnow()))
            db.session.commit()
    page = get(client, key, "/api/v1/orders?fulfilment=ready&limit=2").json
    seen = [o["id"] for o in page["orders"]]
    while page["next_cursor"]:
        page = get(client, key, f"/api/v1/orders?fulfilment=ready&limit=2&cursor={page['next_cursor']}").json
        seen += [o["id"] for o in page["orders"]]
    assert seen == ready


def test_ready_means_approved_allocated_and_something_left(client, world):
    key = api_key(world.a.account)
    warehouse = world.a.warehouse.id
    ready = make_order(world.a.channel)
    allocate(ready, warehouse)
    make_order(world.a.channel)  # not allocated
    draft = make_order(world.a.channel, status=OrderStatus.DRAFT)
    allocate(draft, warehouse)
    cancelled = make_order(world.a.channel, status=OrderStatus.CANCELLED)
    allocate(cancelled, warehouse)
    shipped = make_order(world.a.channel, lines=[{"quantity": 2, "shipped_quantity": 2}])
    gifts = make_order(world.a.channel, lines=[{"is_physical": False}])
    del shipped, gifts
    body = get(client, key, "/api/v1/orders?fulfilment=ready").json
    assert [o["id"] for o in body["orders"]] == [ready.id] and body["orders"][0]["ready_to_ship"] is True
    # shipping all of it takes it off the list
    response = post_shipment(client, key, ready.id, shipment_body(ready, [2]))
    assert response.status_code == 201
    assert get(client, key, "/api/v1/orders?fulfilment=ready").json["orders"] == []


def test_filters_by_channel_status_and_update_time(client, world):
    key = api_key(world.a.account)
    approved = make_order(world.a.channel)
    make_order(world.a.channel, status=OrderStatus.DRAFT)
    ids = [o["id"] for o in get(client, key, "/api/v1/orders?status=approved").json["orders"]]
    assert ids == [approved.id]
    assert len(get(client, key, f"/api/v1/orders?channel={world.a.channel.id}").json["orders"]) == 2
    later = utcnow().isoformat().replace("+00:00", "Z")
    assert get(client, key, f"/api/v1/orders?updated_after={later}").json["orders"] == []


def test_bad_queries_answer_422_naming_the_field(client, world):
    key = api_key(world.a.account)
    cases = {
        "colour=red": "colour",
        "cursor=bm90LW91cnM": "cursor",
        "cursor=%%%": "cursor",
        "limit=1000": "limit",
        "limit=-1": "limit",
        "status=lost": "status",
        "fulfilment=soon": "fulfilment",
        "updated_after=yesterday": "updated_after",
        "updated_after=2026-12-01T08:00:00": "updated_after",  # no offset: ambiguous
        f"channel={world.b.channel.id}": "channel",  # another account's channel is not ours
        "channel=x": "channel",
    }
    for query, field in cases.items():
        response = get(client, key, f"/api/v1/orders?{query}")
        assert response.status_code == 422, query
        assert field in response.json["errors"], (query, response.json)


def test_the_detail_shows_lines_shipments_and_contact(client, world):
    key = api_key(world.a.account)
    order = make_order(
        world.a.channel,
        lines=[{"quantity": 3, "variant_id": world.a.variant.id}, {"quantity": 1, "is_physical": False}],
        addresses=[SHIPPING],
        carrier_code="UPS",
        service_code="GND",
    )
    allocate(order, world.a.warehouse.id)
    post_shipment(client, key, order.id, shipment_body(order, [1]))
    body = get(client, key, f"/api/v1/orders/{order.id}").json
    physical, gift = body["lines"]
    assert physical["ordered"] == 3 and physical["shipped"] == 1 and physical["left"] == 2
    assert physical["variant"] == {"id": world.a.variant.id, "sku": world.a.variant.sku}
    assert physical["warehouse"] == world.a.warehouse.code and physical["id"] == order.lines[0].id
    assert gift["physical"] is False and gift["left"] == 0
    assert body["carrier"]["carrier"] == "UPS" and body["carrier"]["service"] == "GND"
    assert body["shipments"][0]["store"]["status"] == "waiting"
    assert body["customer"]["email"] == "jane.doe@example.com"
    assert body["addresses"][0]["city"] == "Austin" and body["pii"]["purged"] is False


def test_a_purged_order_says_so_instead_of_showing_contact(client, world):
    key = api_key(world.a.account)
    order = make_order(world.a.channel, addresses=[SHIPPING], pii_purged_at=utcnow(), customer_email=None)
    body = get(client, key, f"/api/v1/orders/{order.id}").json
    assert body["pii"]["purged"] is True and body["customer"] is None and body["addresses"] is None


def test_another_accounts_order_is_404_and_no_key_is_401(client, world):
    key = api_key(world.a.account)
    theirs = make_order(world.b.channel)
    response = get(client, key, f"/api/v1/orders/{theirs.id}")
    assert response.status_code == 404 and "Jane" not in response.get_data(as_text=True)
    assert client.get(f"/api/v1/orders/{theirs.id}").status_code == 401
    assert client.get("/api/v1/orders").status_code == 401


def test_the_openapi_document_describes_every_api_route(app, client):
    import re

    document = client.get("/api/v1/openapi.json").json
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>(]+)(?:\([^)]*\))?>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        path = re.sub(r"<int\(max=\d+\):(\w+)>", r"{\1}", path)
        assert path in document["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], (method, path)
    assert document["webhooks"]["event"]["post"]["parameters"][0]["name"] == "TechOMS-Signature"
    assert "Order" in document["components"]["schemas"] and "Event" in document["components"]["schemas"]


def test_the_detail_lists_the_notes_techoms_wrote_to_the_store(client, world):
    from models.store_writes import WriteState
    from services.orders.store_writes import request_note

    key = api_key(world.a.account)
    order = make_order(world.a.channel)
    first = request_note(order, None, "Call before delivery")
    first.state = WriteState.DONE  # as the write job leaves it once the store confirmed
    db.session.commit()
    request_note(order, None, "Gate code 1234")
    db.session.commit()
    notes = get(client, key, f"/api/v1/orders/{order.id}").json["notes"]
    assert [(n["text"], n["on_store"], n["state"]) for n in notes] == [
        ("Call before delivery", True, "done"),
        ("Gate code 1234", False, "queued"),
    ]
    assert notes[0]["created_at"].endswith("Z")
    other = make_order(world.b.channel)
    request_note(other, None, "Theirs")
    db.session.commit()
    assert get(client, key, f"/api/v1/orders/{other.id}").status_code == 404
