"""The simulator's side of the contract (the API's documented examples), checked over plain HTTP."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from datetime import datetime

import pytest
import requests

from sandbox.demo import DEMO_READONLY_TOKEN, DEMO_SHOP_DOMAIN, DEMO_TOKEN, build_demo_store

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ISO_DENVER = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-06:00$")
MONEY = re.compile(r"^-?\d+\.\d+$")
SUMMARY_KEYS = ["order_id", "shipping_method", "tracking", "created_at", "updated_at", "status", "customer"]


def get(simulator, store, path, **kwargs):
    return simulator.raw(store, "GET", path, token=store.token, **kwargs)


def put(simulator, store, path, body=None, **kwargs):
    return simulator.raw(store, "PUT", path, token=kwargs.pop("token", store.token), json=body, **kwargs)


def post(simulator, store, path, body=None):
    return simulator.raw(store, "POST", path, token=store.token, json=body)


def first_order(simulator, store, status="new"):
    summary = get(simulator, store, f"/orders?status={status}").json()["orders"][0]
    return get(simulator, store, f"/orders/{summary['order_id']}").json()


# --- auth and the billable call counter -----------------------------------------------------------------


def test_token_by_header_or_legacy_query(simulator, bs_store):
    assert get(simulator, bs_store, "/shipping_methods").status_code == 200
    legacy = simulator.raw(bs_store, "GET", f"/shipping_methods?token={bs_store.token}")
    assert legacy.status_code == 200


@pytest.mark.parametrize("token", [None, "unknown"])
def test_missing_or_unknown_token_is_401(simulator, bs_store, token):
    response = simulator.raw(bs_store, "GET", "/orders", token=token)

    assert response.status_code == 401
    assert "errors" in response.json()


def test_read_only_token_reads_but_cannot_write(simulator, bs_store):
    assert simulator.raw(bs_store, "GET", "/orders/1", token=bs_store.readonly_token).status_code == 200
    refused = put(simulator, bs_store, "/orders/1", {"order": {"note": "x"}}, token=bs_store.readonly_token)
    assert refused.status_code == 403


def test_unknown_store_is_404(simulator, bs_store):
    response = simulator.raw(
        bs_store, "GET", "/orders", token=bs_store.token, headers={"Host": "nosuch.mybrightsites.com"}
    )
    assert response.status_code == 404


def test_call_counter_counts_every_request_including_failures(simulator, bs_store):
    simulator.set_faults(bs_store, script=["500"])
    get(simulator, bs_store, "/orders")  # injected 500
    get(simulator, bs_store, "/orders/999999")  # 404
    put(simulator, bs_store, "/orders/1", {"order": {"status": "bogus"}})  # 422
    simulator.raw(bs_store, "PUT", "/orders/1", token=bs_store.readonly_token, json={})  # 403
    simulator.raw(bs_store, "GET", "/orders", token="unknown")  # 401
    get(simulator, bs_store, "/no/such/endpoint")  # 404 route

    counted = simulator.calls(bs_store)

    assert counted["total"] == 6
    assert counted["read_write"] == 4
    assert counted["read_only"] == 1
    # Per route too (the benches split listing and detail calls with it); an unknown path has no route.
    by_route = {
        f"{route.split()[0]} {route.split('/', 3)[-1]}": n for route, n in counted["per_route"].items()
    }
    assert by_route == {"GET orders": 2, "GET orders/<int:order_id>": 1, "PUT orders/<int:order_id>": 2}
    simulator.reset_calls(bs_store)
    assert simulator.calls(bs_store)["total"] == 0
    assert simulator.calls(bs_store)["per_route"] == {}


# --- orders ---------------------------------------------------------------------------------------------


def test_order_list_shape_sorting_and_pagination(simulator, bs_store):
    body = get(simulator, bs_store, "/orders").json()

    assert list(body) == ["orders", "meta"]
    assert body["meta"] == {"total": 12, "offset": 0, "limit": 50}
    ids = [o["order_id"] for o in body["orders"]]
    assert ids == sorted(ids, reverse=True)
    for summary in body["orders"]:
        assert list(summary) == SUMMARY_KEYS
        assert isinstance(summary["order_id"], int)
        assert ISO_Z.match(summary["created_at"]) and ISO_Z.match(summary["updated_at"])
        assert summary["tracking"] != ""
    assert any(o["tracking"] == "N/A" for o in body["orders"])
    page = get(simulator, bs_store, "/orders?page=3&per_page=5").json()
    assert page["meta"] == {"total": 12, "offset": 10, "limit": 5}
    assert [o["order_id"] for o in page["orders"]] == ids[10:]
    assert get(simulator, bs_store, "/orders?per_page=5000").json()["meta"]["limit"] == 500


def test_order_filters(simulator, bs_store):
    everything = get(simulator, bs_store, "/orders").json()["orders"]
    cutoff = sorted(o["updated_at"] for o in everything)[5]
    naive = cutoff.replace("Z", "")[:19]

    newer = get(simulator, bs_store, f"/orders?updated_at_from={cutoff}").json()["orders"]
    newer_naive = get(simulator, bs_store, f"/orders?updated_at_from={naive}").json()["orders"]
    customer = everything[0]["customer"]
    by_customer = get(simulator, bs_store, "/orders", params={"customer": customer}).json()["orders"]

    assert {o["order_id"] for o in newer} == {o["order_id"] for o in everything if o["updated_at"] >= cutoff}
    assert {o["order_id"] for o in newer_naive} >= {o["order_id"] for o in newer}  # naive means UTC
    assert {o["customer"] for o in by_customer} == {customer}
    bad = get(simulator, bs_store, "/orders?status=in%20progress")
    assert bad.status_code == 422
    assert bad.json()["errors"]["status"].endswith(
        "status must be one of new, billed, paid, in_progress, split, shipped, completed, back_ordered, "
        "canceled, moas_pending"
    )


def test_full_order_shape(simulator, bs_store):
    order = get(simulator, bs_store, "/orders/1").json()

    for key in (
        "order_id",
        "created_at",
        "updated_at",
        "status",
        "site_id",
        "site_name",
        "site_url",
        "custom_store_id",
        "customer_email",
        "customer_id",
        "username",
        "item_total",
        "grand_total",
        "shipping_contact",
        "billing_contact",
        "shipping_address",
        "billing_address",
        "payment",
        "payments",
        "shipment",
        "line_items",
        "coupons_adjustments",
        "required_adjustments",
        "notes",
        "shipments",
    ):
        assert key in order
    assert MONEY.match(order["item_total"]) and MONEY.match(order["grand_total"])
    assert set(order["shipping_address"]) == {
        "company",
        "first_address",
        "second_address",
        "city",
        "state",
        "country",
        "zip",
    }
    assert len(order["shipping_address"]["state"]) > 2  # full names, not codes
    line = order["line_items"][0]
    assert isinstance(line["id"], int) and isinstance(line["quantity"], int)
    assert MONEY.match(line["unit_price"]) and line["final_sku"]
    assert {"option_id", "sub_option_id", "option_name", "option_type", "sub_option_name"} <= set(
        line["product_options"][0]
    )


def test_generated_stores_have_gift_lines_moas_orders_and_one_to_five_lines(simulator):
    store = simulator.create_store(seed=11, products=5, orders=80, gift_rate=0.2, moas_rate=0.1)
    orders = [get(simulator, store, f"/orders/{n}").json() for n in range(1, 81)]

    assert any(o["status"] == "moas_pending" for o in orders)
    assert any(li["gift_certificate"] for o in orders for li in o["line_items"])
    physical = [len([li for li in o["line_items"] if not li["gift_certificate"]]) for o in orders]
    assert max(physical) <= 5 and {1, 5} <= set(physical)


def test_shopper_places_gift_certificate_orders_and_adds_lines(simulator, bs_store):
    only_gift = simulator.add_order(bs_store, gift_only=True)
    mixed = simulator.add_order(bs_store, gift=True, gift_only=False)

    def lines(order_id):
        return get(simulator, bs_store, f"/orders/{order_id}").json()["line_items"]

    assert lines(only_gift) and all(li["gift_certificate"] for li in lines(only_gift))
    kinds = {li["gift_certificate"] is None for li in lines(mixed)}
    assert kinds == {True, False}

    added = simulator.mutate_order(bs_store, only_gift, "edit", add_line=True)

    (physical,) = [li for li in lines(only_gift) if li["gift_certificate"] is None]
    assert physical["id"] == added["line_id"] and physical["final_sku"].startswith("SIM-0001-")


def test_update_order_rules(simulator, bs_store):
    order = first_order(simulator, bs_store)
    order_id, before = order["order_id"], order["updated_at"]

    enum = put(simulator, bs_store, f"/orders/{order_id}", {"order": {"status": "in progress"}})
    noted = put(simulator, bs_store, f"/orders/{order_id}", {"order": {"note": "first"}})
    again = put(simulator, bs_store, f"/orders/{order_id}", {"order": {"note": "second", "status": "paid"}})
    bad_date = put(simulator, bs_store, f"/orders/{order_id}", {"order": {"ship_date": "20/12/2016"}})

    assert enum.status_code == 422 and isinstance(enum.json()["errors"]["status"], str)
    assert noted.status_code == 200 and noted.json()["updated_at"] > before
    assert [n["note"] for n in again.json()["notes"]] == ["first", "second"]
    assert {n["username"] for n in again.json()["notes"]} == {"API"}
    assert again.json()["status"] == "paid"
    assert bad_date.status_code == 422


def test_moas_orders_refuse_status_changes(simulator, bs_store):
    order_id = simulator.add_order(bs_store, status="moas_pending")

    refused = put(simulator, bs_store, f"/orders/{order_id}", {"order": {"status": "paid"}})
    simulator.mutate_order(bs_store, order_id, "status", status="new")  # approved in the store
    accepted = put(simulator, bs_store, f"/orders/{order_id}", {"order": {"status": "paid"}})

    assert refused.status_code == 422
    assert refused.json() == {
        "errors": {"status": ["Order has not been approved, unable to change orders status"]}
    }
    assert accepted.status_code == 200


def test_legacy_put_shape_toggle(simulator, bs_store):
    simulator.set_faults(bs_store, legacy_put_shape=True)

    body = put(simulator, bs_store, "/orders/1", {"order": {"note": "x"}}).json()

    assert "date" in body and "updated_at" not in body and "shipments" not in body
    assert body["line_items"][0]["split_items"] == []


def test_offset_timestamp_style(simulator, bs_store):
    simulator.set_faults(bs_store, timestamp_style="offset")

    summary = get(simulator, bs_store, "/orders?per_page=1").json()["orders"][0]

    assert ISO_DENVER.match(summary["created_at"])


def test_an_unreadable_order_serves_a_created_at_that_is_no_timestamp(simulator, bs_store):
    summaries = get(simulator, bs_store, "/orders?per_page=2").json()["orders"]
    broken, other = (summary["order_id"] for summary in summaries)
    simulator.set_faults(bs_store, unreadable_orders=[broken])

    assert get(simulator, bs_store, f"/orders/{broken}").json()["created_at"] == "0000-00-00 00:00:00"
    assert ISO_Z.match(get(simulator, bs_store, f"/orders/{other}").json()["created_at"])
    listed = get(simulator, bs_store, "/orders?per_page=2").json()["orders"]
    assert all(ISO_Z.match(summary["created_at"]) for summary in listed)  # the listing stays readable
    simulator.reset_faults(bs_store)
    assert ISO_Z.match(get(simulator, bs_store, f"/orders/{broken}").json()["created_at"])


def test_cancel_restocks_and_reports(simulator, bs_store):
    order = first_order(simulator, bs_store)
    line = next(li for li in order["line_items"] if not li["gift_certificate"])
    stock_before = _stock_of(simulator, bs_store, line)

    first = put(simulator, bs_store, f"/orders/{order['order_id']}/cancel")
    second = put(simulator, bs_store, f"/orders/{order['order_id']}/cancel")

    assert first.status_code == 200 and first.json()["errors"] == []
    assert "Set status to 'Canceled'" in first.json()["success"]
    assert second.status_code == 200 and second.json()["errors"]
    if stock_before is not None:
        same_lines = sum(li["quantity"] for li in order["line_items"] if li["final_sku"] == line["final_sku"])
        assert _stock_of(simulator, bs_store, line) == stock_before + same_lines
    assert get(simulator, bs_store, f"/orders/{order['order_id']}").json()["status"] == "canceled"


def _stock_of(simulator, store, line):
    rows = get(simulator, store, "/inventories?per_page=500").json()["inventories"]
    return next((r["inventory"] for r in rows if r["final_sku"] == line["final_sku"]), None)


# --- shipments ------------------------------------------------------------------------------------------


def test_shipment_validation_and_round_trip(simulator, bs_store):
    order = first_order(simulator, bs_store)
    order_id, line = order["order_id"], order["line_items"][0]
    path = f"/orders/{order_id}/shipments"

    missing = post(simulator, bs_store, path, {"shipment": {"line_items": []}})
    foreign = post(simulator, bs_store, path, {"shipment": {"line_items": [{"id": 1, "quantity": 1}]}})
    too_many = post(
        simulator,
        bs_store,
        path,
        {"shipment": {"line_items": [{"id": line["id"], "quantity": line["quantity"] + 1}]}},
    )
    created = post(
        simulator,
        bs_store,
        path,
        {
            "shipment": {
                "tracking_number": "1Z1",
                "ship_date": "2025-05-14",
                "send_shipping_confirmation": True,
                "line_items": [{"id": line["id"], "quantity": line["quantity"]}],
            }
        },
    )
    again = post(simulator, bs_store, path, {"shipment": {"line_items": [{"id": line["id"], "quantity": 1}]}})

    assert missing.status_code == 422
    assert foreign.status_code == 422 and isinstance(foreign.json()["errors"]["line_items"], list)
    assert too_many.status_code == 422
    assert created.status_code == 201
    shipment = created.json()
    assert list(shipment) == ["id", "tracking_number", "ship_date", "note", "shipping_method", "line_items"]
    assert shipment["shipping_method"] == order["shipment"]["shipping_method"]  # empty -> order's method
    assert again.status_code == 422  # nothing left to ship on that line
    assert get(simulator, bs_store, f"/orders/{order_id}").json()["updated_at"] > order["updated_at"]
    assert simulator.inspect_order(bs_store, order_id)["shipments"][0]["send_shipping_confirmation"] is True
    listed = get(simulator, bs_store, path).json()
    assert list(listed) == ["shipments"] and listed["shipments"][0]["id"] == shipment["id"]
    assert get(simulator, bs_store, f"{path}/{shipment['id']}").json() == shipment
    deleted = simulator.raw(bs_store, "DELETE", f"{path}/{shipment['id']}", token=bs_store.token).json()
    assert deleted["id"] == shipment["id"] and deleted["line_items"] == []
    assert get(simulator, bs_store, f"{path}/{shipment['id']}").status_code == 404


def test_drop_after_fault_writes_then_closes_the_connection(simulator, bs_store):
    order = first_order(simulator, bs_store)
    line = order["line_items"][0]
    simulator.set_faults(bs_store, script=["drop_after"])
    with pytest.raises(requests.ConnectionError):
        post(
            simulator,
            bs_store,
            f"/orders/{order['order_id']}/shipments",
            {"shipment": {"tracking_number": "1ZDROP", "line_items": [{"id": line["id"], "quantity": 1}]}},
        )
    listed = simulator.admin("GET", f"/stores/{bs_store.subdomain}/shipments")["shipments"]
    written = [s for s in listed if s["tracking_number"] == "1ZDROP"]
    assert written == [
        {
            "order_id": order["order_id"],
            "id": written[0]["id"],
            "tracking_number": "1ZDROP",
            "ship_date": None,
            "shipping_method": order["shipment"]["shipping_method"],
            "note": None,
            "send_shipping_confirmation": False,
            "line_items": [{"id": line["id"], "quantity": 1}],
        }
    ]
    assert simulator.calls(bs_store)["total"] >= 2  # the lost POST was billed too


def test_an_order_can_await_approval_while_showing_new(simulator, bs_store):
    order_id = first_order(simulator, bs_store)["order_id"]
    simulator.mutate_order(bs_store, order_id, "status", status="new", awaiting_approval=True)
    refused = put(simulator, bs_store, f"/orders/{order_id}", {"order": {"status": "shipped"}})
    assert refused.status_code == 422
    assert refused.json() == {
        "errors": {"status": ["Order has not been approved, unable to change orders status"]}
    }
    simulator.mutate_order(bs_store, order_id, "status", status="paid")  # approved
    assert (
        put(simulator, bs_store, f"/orders/{order_id}", {"order": {"status": "shipped"}}).status_code == 200
    )


# --- inventory ------------------------------------------------------------------------------------------


def test_inventories_skip_vendor_managed_products(simulator, bs_store):
    body = get(simulator, bs_store, "/inventories?per_page=500").json()

    assert 6 not in {r["product_id"] for r in body["inventories"]}
    assert body["meta"]["total"] == len(body["inventories"])
    row = body["inventories"][0]
    assert list(row) == [
        "product_id",
        "product_name",
        "internal_id",
        "sku",
        "final_sku",
        "id",
        "inventory",
        "trigger",
        "track",
        "allow_negative",
        "sub_sku",
        "sub_option_ids",
    ]
    assert row["final_sku"] == f"{row['sku']}-{row['sub_sku']}"


def test_batch_update_sets_absolute_values_and_rejects_what_it_must(simulator, bs_store):
    rows = get(simulator, bs_store, "/inventories?per_page=500").json()["inventories"]
    mine = [r for r in rows if r["product_id"] == 1]
    other = next(r for r in rows if r["product_id"] == 2)

    updated = put(
        simulator,
        bs_store,
        "/inventories/1/batch_update",
        {"inventories": [{"id": mine[0]["id"], "inventory": 7}, {"id": mine[1]["id"], "inventory": 0}]},
    )
    foreign = put(
        simulator,
        bs_store,
        "/inventories/1/batch_update",
        {"inventories": [{"id": mine[0]["id"], "inventory": 99}, {"id": other["id"], "inventory": 1}]},
    )
    vendor = put(
        simulator, bs_store, "/inventories/6/batch_update", {"inventories": [{"id": 1, "inventory": 1}]}
    )

    assert updated.status_code == 200
    assert [r["inventory"] for r in updated.json()["inventories"]] == [7, 0]
    assert foreign.status_code == 422
    assert (
        simulator.raw(
            bs_store, "GET", f"/products/1/inventories/{mine[0]['id']}", token=bs_store.token
        ).json()["inventory"]
        == 7
    )  # all or nothing
    assert vendor.status_code == 422


# --- catalog --------------------------------------------------------------------------------------------


def test_products_and_reference_endpoints(simulator, bs_store):
    products = get(simulator, bs_store, "/products").json()
    product = get(simulator, bs_store, "/products/1").json()
    methods = get(simulator, bs_store, "/shipping_methods").json()
    origins = get(simulator, bs_store, "/origin_addresses").json()

    assert products["meta"]["total"] == 7
    assert {
        "id",
        "sku_separator",
        "options",
        "sub_options",
        "inventories",
        "vendor_inventory_enabled",
    } <= set(product)
    assert list(methods) == ["shipping_methods"] and "Will Call" in methods["shipping_methods"]
    assert len(origins["origin_addresses"]) == 3 and "meta" in origins


# --- determinism and admin ------------------------------------------------------------------------------


def test_same_seed_same_store(simulator):
    now = "2025-06-01T12:00:00+00:00"
    first = simulator.create_store(seed=99, products=3, orders=8, now=now)
    second = simulator.create_store(seed=99, products=3, orders=8, now=now)

    def content(store):
        orders = [get(simulator, store, f"/orders/{n}").json() for n in range(1, 9)]
        for order in orders:
            order.pop("site_name"), order.pop("site_url")
        return orders, get(simulator, store, "/inventories?per_page=500").json()

    assert content(first) == content(second)


def test_faults_are_deterministic_for_a_seed(simulator):
    def outcomes(store):
        simulator.set_faults(store, seed=5, error_rate=0.3, rate_limit_rate=0.2)
        return [get(simulator, store, "/shipping_methods").status_code for _ in range(20)]

    first, second = simulator.create_store(products=1, orders=1), simulator.create_store(products=1, orders=1)

    sequence = outcomes(first)
    assert sequence == outcomes(second) == outcomes(first)
    assert {200, 500, 429} <= set(sequence)


def test_admin_customer_edit_and_status_change(simulator, bs_store):
    before = get(simulator, bs_store, "/orders/3").json()

    edited = simulator.mutate_order(bs_store, 3, "edit")
    between = get(simulator, bs_store, "/orders/3").json()
    simulator.mutate_order(bs_store, 3, "status", status="paid")  # at once: no wait between the changes
    after = get(simulator, bs_store, "/orders/3").json()

    # Each change moves updated_at forward, even two within the same millisecond.
    moments = [datetime.fromisoformat(order["updated_at"]) for order in (before, between, after)]
    assert moments[0] < moments[1] < moments[2]
    assert after["line_items"][0]["quantity"] == before["line_items"][0]["quantity"] + 1 == edited["quantity"]
    assert after["status"] == "paid"


def test_admin_rejects_bad_fault_settings(simulator, bs_store):
    response = requests.put(
        f"{simulator.base_url}/__sandbox/stores/{bs_store.subdomain}/faults",
        json={"error_rate": 2},
        timeout=5,
    )
    assert response.status_code == 422
    response = requests.put(
        f"{simulator.base_url}/__sandbox/stores/{bs_store.subdomain}/faults",
        json={"unreadable_orders": ["1"]},
        timeout=5,
    )
    assert response.status_code == 422


# --- demo -----------------------------------------------------------------------------------------------


def test_demo_store_carries_the_catalog_skus_with_deliberate_differences():
    store = build_demo_store()
    skus = {
        product.id: {product.final_sku(row) for row in product.inventories}
        for product in store.products.values()
        if product.id <= 60
    }

    assert len(store.orders) == 300 and len(skus) == 60
    assert "BS-0007-M-NAVY" in skus[7] and len(skus[7]) == 6
    for n in (12, 24, 36, 48, 60):
        assert f"BS-{n:04d}-M-NAVY" not in skus[n]
    assert "BS0012-M-NAVY" in skus[12]
    assert len(DEMO_TOKEN) >= 32 and len(DEMO_READONLY_TOKEN) >= 32 and DEMO_TOKEN != DEMO_READONLY_TOKEN
    assert store.token == DEMO_TOKEN and store.domain == DEMO_SHOP_DOMAIN


def test_cli_serves_the_demo_store():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port), "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            # The banner is printed once the port listens: no polling for the server to come up.
            printed = "".join(process.stdout.readline() for _ in range(4))
            response = requests.get(
                f"http://127.0.0.1:{port}/api/v2.7.0/orders?per_page=1",
                headers={"Host": DEMO_SHOP_DOMAIN, "X-API-TOKEN": DEMO_TOKEN},
                timeout=10,
            )
        finally:
            process.terminate()
            process.wait(timeout=10)

    assert DEMO_SHOP_DOMAIN in printed and DEMO_TOKEN in printed and DEMO_READONLY_TOKEN in printed
    assert response.json()["meta"]["total"] == 300
    assert datetime.fromisoformat(response.json()["orders"][0]["created_at"]).tzinfo is not None


def test_offset_timestamps_name_the_same_instant(simulator, bs_store):
    utc = get(simulator, bs_store, "/orders/1").json()["created_at"]
    simulator.set_faults(bs_store, timestamp_style="offset")
    offset = get(simulator, bs_store, "/orders/1").json()["created_at"]

    assert offset.endswith("-06:00")
    assert datetime.fromisoformat(offset) == datetime.fromisoformat(utc).replace(microsecond=0)
