"""The simulator's Push Orders add-on: what it sends (the Show Order JSON), when (placed, approved, on
demand), and its faults (lost, duplicated, out of order), received by a plain HTTP receiver."""

from __future__ import annotations

import json
import threading

import pytest
import requests
from flask import Flask, request
from werkzeug.serving import make_server

from tests.support.simulator import _QuietHandler


@pytest.fixture
def receiver():
    """A loopback endpoint that keeps every body it is sent, in order of arrival."""
    received: list[dict] = []
    app = Flask("receiver")

    @app.post("/push")
    def take():
        received.append(json.loads(request.get_data()))
        return "", 202

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/push", received
    server.shutdown()
    server.server_close()


def configure(simulator, store, url, **settings):
    return simulator.admin("PUT", f"/stores/{store.subdomain}/push", {"url": url, **settings})


def wait(simulator, store):
    answer = simulator.admin("POST", f"/stores/{store.subdomain}/push/wait", {"timeout": 30})
    assert answer["finished"]
    return answer["stats"]


def test_placed_order_is_pushed_as_its_show_order_json_unbilled(simulator, receiver):
    url, received = receiver
    store = simulator.create_store(seed=1, products=3, orders=0)
    configure(simulator, store, url)
    order_id = simulator.add_order(store, status="paid")
    assert wait(simulator, store)["sent"] == 1
    simulator.reset_calls(store)
    shown = simulator.raw(store, "GET", f"/orders/{order_id}", token=store.token).json()
    assert received == [shown]
    assert simulator.calls(store)["total"] == 1  # only the GET above: pushes are not billed


def test_moas_order_is_pushed_on_approval_and_again_on_demand(simulator, receiver):
    url, received = receiver
    store = simulator.create_store(seed=1, products=3, orders=0)
    configure(simulator, store, url)
    order_id = simulator.add_order(store, status="moas_pending")
    wait(simulator, store)
    assert received == []
    simulator.mutate_order(store, order_id, "status", status="paid")
    wait(simulator, store)
    simulator.admin("POST", f"/stores/{store.subdomain}/orders/{order_id}/push")
    wait(simulator, store)
    assert [body["order_id"] for body in received] == [order_id, order_id]


def test_faults_lose_duplicate_and_reorder(simulator, receiver):
    url, received = receiver
    store = simulator.create_store(seed=1, products=3, orders=0)
    configure(simulator, store, url, lost_rate=1.0)
    simulator.add_order(store, status="paid")
    assert wait(simulator, store)["lost"] == 1 and received == []
    configure(simulator, store, url, duplicate_rate=1.0)
    order_id = simulator.add_order(store, status="paid")
    wait(simulator, store)
    assert [body["order_id"] for body in received] == [order_id, order_id]
    received.clear()
    configure(simulator, store, url, reorder_rate=0.5, seed=4)
    ids = simulator.admin("POST", f"/stores/{store.subdomain}/orders", {"status": "paid", "count": 20})[
        "order_ids"
    ]
    stats = wait(simulator, store)
    pushed = [body["order_id"] for body in received]
    assert sorted(pushed) == sorted(ids) and stats["reordered"] > 0
    assert pushed != ids  # some were held back and came after a later one


def test_bad_settings_are_refused(simulator):
    store = simulator.create_store(seed=1, products=3, orders=0)
    for body in ({"url": "ftp://x"}, {"url": "http://x", "lost_rate": 2}, {"url": "http://x", "nope": 1}):
        response = requests.put(
            f"{simulator.base_url}/__sandbox/stores/{store.subdomain}/push", json=body, timeout=5
        )
        assert response.status_code == 422


def test_a_push_sent_whole_and_left_unanswered_is_counted_apart_from_lost_ones(simulator):
    """A receiver that takes the body and answers after the sender's timeout: the store counts the order as
    unanswered (it may have arrived), not delivered; the chaos bench's push floor leaves such orders out."""
    received: list[dict] = []
    release = threading.Event()
    app = Flask("slow_receiver")

    @app.post("/push")
    def take():
        received.append(json.loads(request.get_data()))
        release.wait(30)  # held until the sender has given up
        return "", 202

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store = simulator.create_store(seed=1, products=3, orders=0)
        configure(simulator, store, f"http://127.0.0.1:{server.server_port}/push", timeout_seconds=0.5)
        simulator.add_order(store, status="paid")
        answer = simulator.admin("POST", f"/stores/{store.subdomain}/push/wait", {"timeout": 30})
        assert answer["finished"]
        assert (answer["delivered_orders"], answer["unanswered_orders"]) == (0, 1)
        assert answer["stats"]["status_read_timeout"] == 1 and len(received) == 1
    finally:
        release.set()
        server.shutdown()
        server.server_close()
