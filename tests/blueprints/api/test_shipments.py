"""POST /api/v1/orders/<id>/shipments: what a host system sends, the idempotency key, other accounts (404),
revoked keys (401), messages per field and never a 500, concurrent requests, no cookie and no CSRF."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from extensions import db
from models.api_keys import ApiKey, IdempotencyKey
from models.orders import OrderStatus, SalesOrder
from models.shipments import Shipment
from models.tenancy import Role
from services import api_keys
from tests.support.shipments import (
    api_key,
    carriers,
    line_ids,
    order_to_ship,
    post_shipment,
    shipment_body,
)
from tests.support.world import PASSWORD, ROLE_EMAILS


def shipment_count() -> int:
    return db.session.scalar(select(func.count(Shipment.id)))


def test_a_host_system_reports_a_shipment(client, world):
    order = order_to_ship(world.a.channel, 3, 2)
    key = api_key(world.a.account)
    response = post_shipment(
        client, key, order.id, shipment_body(order, [3, 1], warehouse=world.a.warehouse.code)
    )
    assert response.status_code == 201
    body = response.json
    assert body["order_status"] == "partially_shipped" and body["tracking_number"] == "1ZAPI0001"
    assert body["lines"] == [
        {"line_id": line_ids(order)[0], "quantity": 3},
        {"line_id": line_ids(order)[1], "quantity": 1},
    ]
    assert body["carrier"] == "UPS" and body["service"] == "GND" and body["warehouse"] == "WH-A1"
    assert body["store"] == {"status": "waiting", "shipment_id": None, "sent_at": None}
    shipment = db.session.get(Shipment, body["id"])
    assert shipment.api_key_id == db.session.scalar(select(ApiKey.id)) and shipment.created_by_id is None
    assert "Set-Cookie" not in response.headers and response.headers["Cache-Control"] == "no-store"


def test_the_idempotency_key_returns_the_first_answer(client, world):
    order = order_to_ship(world.a.channel, 3, 2)
    key = api_key(world.a.account)
    body = shipment_body(order, [1, 1])
    first = post_shipment(client, key, order.id, body, **{"Idempotency-Key": "wms-4711"})
    again = post_shipment(client, key, order.id, body, **{"Idempotency-Key": "wms-4711"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert shipment_count() == 1
    db.session.expire_all()
    assert [line.shipped_quantity for line in db.session.get(SalesOrder, order.id).lines] == [1, 1]

    changed = post_shipment(
        client, key, order.id, shipment_body(order, [2, 0]), **{"Idempotency-Key": "wms-4711"}
    )
    assert changed.status_code == 422 and "different request" in changed.json["errors"]["idempotency_key"][0]
    # Another key of the same account sees the same keys; a new key is a new shipment.
    other_key = api_key(world.a.account)
    assert (
        post_shipment(client, other_key, order.id, body, **{"Idempotency-Key": "wms-4711"}).json == first.json
    )
    assert post_shipment(client, key, order.id, body, **{"Idempotency-Key": "wms-4712"}).status_code == 201
    assert shipment_count() == 2


def test_a_refused_request_does_not_use_up_its_key(client, world):
    order = order_to_ship(world.a.channel, 3)
    key = api_key(world.a.account)
    bad = post_shipment(client, key, order.id, shipment_body(order, [9]), **{"Idempotency-Key": "k1"})
    assert bad.status_code == 422
    good = post_shipment(client, key, order.id, shipment_body(order, [3]), **{"Idempotency-Key": "k1"})
    assert good.status_code == 201 and db.session.scalar(select(func.count(IdempotencyKey.id))) == 1


def test_an_order_of_another_account_is_404(client, world):
    theirs = order_to_ship(world.b.channel, 3)
    mine = api_key(world.a.account)
    response = post_shipment(client, mine, theirs.id, shipment_body(theirs, [1]))
    assert response.status_code == 404 and response.is_json and "order" in response.json["errors"]
    other_account_same_org = order_to_ship(world.a.channel, 3)
    assert (
        post_shipment(
            client, api_key(world.a2), other_account_same_org.id, shipment_body(other_account_same_org, [1])
        ).status_code
        == 404
    )
    assert post_shipment(client, mine, 2_147_483_647, shipment_body(theirs, [1])).status_code == 404
    assert shipment_count() == 0


def test_a_revoked_key_is_401(client, world):
    order = order_to_ship(world.a.channel, 3)
    key = api_key(world.a.account)
    api_keys.revoke(db.session.scalar(select(ApiKey)), None)
    db.session.commit()
    response = post_shipment(client, key, order.id, shipment_body(order, [1]))
    assert response.status_code == 401 and response.json["errors"]["authorization"]
    assert shipment_count() == 0


def test_over_shipment_is_422_with_the_line_named(client, world):
    order = order_to_ship(world.a.channel, 3)
    key = api_key(world.a.account)
    assert post_shipment(client, key, order.id, shipment_body(order, [2])).status_code == 201
    response = post_shipment(client, key, order.id, shipment_body(order, [2]))
    assert response.status_code == 422
    assert response.json["errors"]["lines"] == [
        f"Line {line_ids(order)[0]} (SKU-1): 2 is more than the 1 left to ship of 3 ordered."
    ]
    assert post_shipment(client, key, order.id, shipment_body(order, [1])).json["order_status"] == "shipped"
    response = post_shipment(client, key, order.id, shipment_body(order, [1]))
    assert response.status_code == 422 and "already shipped in full" in response.json["errors"]["order"][0]


BAD_BODIES = [
    ([], "request"),
    ("text", "request"),
    ({}, "tracking_number"),
    ({"tracking_number": 5}, "tracking_number"),
    ({"tracking_number": "x" * 101}, "tracking_number"),
    ({"tracking_number": "1Z\u0000"}, "tracking_number"),
    ({"tracking_number": "1Z\ud800"}, "tracking_number"),
    ({"ship_date": "30.11.2026"}, "ship_date"),
    ({"ship_date": "2026-02-30"}, "ship_date"),
    ({"ship_date": "9999-12-31"}, "ship_date"),
    ({"ship_date": 20261130}, "ship_date"),
    ({"carrier": "NOPE"}, "service"),
    ({"carrier": ["UPS"]}, "carrier"),
    ({"warehouse": "WH-B1"}, "warehouse"),  # exists, but in another organization
    ({"note": "n" * 256}, "note"),
    ({"lines": []}, "lines"),
    ({"lines": {"line_id": 1}}, "lines"),
    ({"lines": [5]}, "lines[0]"),
    ({"lines": [{"line_id": "1", "quantity": 1}]}, "lines[0].line_id"),
    ({"lines": [{"line_id": 2**63, "quantity": 1}]}, "lines[0].line_id"),
    ({"lines": [{"line_id": 1, "quantity": 1.5}]}, "lines[0].quantity"),
    ({"lines": [{"line_id": 1, "quantity": True}]}, "lines[0].quantity"),
    ({"lines": [{"line_id": 1, "quantity": -1}]}, "lines[0].quantity"),
    ({"lines": [{"line_id": 1, "quantity": 1, "sku": "x"}]}, "lines[0].sku"),
    ({"lines": [{"line_id": 999999, "quantity": 1}]}, "lines"),
    ({"trackingnumber": "typo"}, "trackingnumber"),
]


@pytest.mark.parametrize("change, field", BAD_BODIES, ids=[f"{n}-{f}" for n, (_, f) in enumerate(BAD_BODIES)])
def test_bad_values_get_a_message_per_field_never_a_500(client, world, change, field):
    order = order_to_ship(world.a.channel, 3)
    key = api_key(world.a.account)
    body = {**shipment_body(order, [1]), **change} if isinstance(change, dict) else change
    if isinstance(change, dict) and change == {}:
        body = {}
    response = post_shipment(client, key, order.id, body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert shipment_count() == 0


def test_unreadable_bodies(client, world):
    order = order_to_ship(world.a.channel, 3)
    headers = {"Authorization": f"Bearer {api_key(world.a.account)}"}
    url = f"/api/v1/orders/{order.id}/shipments"
    assert (
        client.post(url, data="{not json", headers=headers, content_type="application/json").status_code
        == 400
    )
    deep = "[" * 100_000 + "]" * 100_000
    assert client.post(url, data=deep, headers=headers, content_type="application/json").status_code == 400
    assert client.post(url, data="tracking=1", headers=headers).status_code == 415
    huge = '{"note": "' + "x" * 2_000_000 + '"}'
    assert client.post(url, data=huge, headers=headers, content_type="application/json").status_code == 413
    bad_key = client.post(url, json=shipment_body(order, [1]), headers={**headers, "Idempotency-Key": "é"})
    assert bad_key.status_code == 422 and "idempotency_key" in bad_key.json["errors"]
    assert client.get(url, headers=headers).status_code == 405


def test_concurrent_requests_ship_the_line_once(app, world):
    order = order_to_ship(world.a.channel, 3)
    key = api_key(world.a.account)
    body = shipment_body(order, [3])
    start = threading.Barrier(2)
    statuses = []

    def post() -> None:
        client = app.test_client()
        start.wait(5)
        statuses.append(post_shipment(client, key, order.id, body).status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [201, 422]
    db.session.expire_all()
    assert db.session.get(SalesOrder, order.id).lines[0].shipped_quantity == 3 and shipment_count() == 1


def test_concurrent_repeats_with_one_idempotency_key_get_one_answer(app, world):
    order = order_to_ship(world.a.channel, 3, 3)
    key = api_key(world.a.account)
    body = shipment_body(order, [1, 1])
    start = threading.Barrier(3)
    answers = []

    def post() -> None:
        client = app.test_client()
        start.wait(5)
        response = post_shipment(client, key, order.id, body, **{"Idempotency-Key": "same"})
        answers.append((response.status_code, response.json["id"]))

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == 3 and {answer for answer in answers} == {(201, answers[0][1])}
    assert shipment_count() == 1
    db.session.expire_all()
    assert [line.shipped_quantity for line in db.session.get(SalesOrder, order.id).lines] == [1, 1]


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


def test_no_csrf_token_is_needed_and_the_session_is_refused(csrf_on, client, world):
    order = order_to_ship(world.a.channel, 3)
    carriers()
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    logged_in = client.post(
        "/login", data={"email": ROLE_EMAILS[Role.ORG_OWNER], "password": PASSWORD, "csrf_token": token}
    )
    assert logged_in.status_code == 302  # a browser session with its cookie...
    response = client.post(f"/api/v1/orders/{order.id}/shipments", json=shipment_body(order, [1]))
    assert response.status_code == 401  # ...acts for nobody here
    response = post_shipment(client, api_key(world.a.account), order.id, shipment_body(order, [1]))
    assert response.status_code == 201  # a key and no CSRF token: accepted


def test_the_openapi_example_is_what_the_api_takes(client, world):
    order = order_to_ship(world.a.channel, 3)
    carriers()
    description = client.get("/api/v1/openapi.json").json
    operation = description["paths"]["/orders/{order_id}/shipments"]["post"]
    example = dict(description["components"]["schemas"]["NewShipment"]["example"])
    assert set(example) == set(description["components"]["schemas"]["NewShipment"]["properties"])
    example.update(warehouse=world.a.warehouse.code, lines=[{"line_id": line_ids(order)[0], "quantity": 2}])
    response = post_shipment(client, api_key(world.a.account), order.id, example)
    assert response.status_code == 201
    assert set(response.json) == set(description["components"]["schemas"]["Shipment"]["properties"])
    assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}
    db.session.expire_all()
    assert db.session.get(SalesOrder, order.id).status == OrderStatus.PARTIALLY_SHIPPED
