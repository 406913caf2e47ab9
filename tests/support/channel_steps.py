"""Driving the creation wizard and the settings forms through the test client, as a browser would without
JavaScript."""

from __future__ import annotations

import re


def draft_id(html: bytes) -> str:
    return re.search(rb'name="draft_id" value="([^"]+)"', html).group(1).decode()


def start(client) -> str:
    response = client.get("/channels/new/")
    assert response.status_code == 200
    draft = draft_id(response.data)
    response = client.post("/channels/new/type", data={"draft_id": draft, "channel_type": "brightsites"})
    assert b"2. Connection" in response.data
    return draft


def connect(client, draft: str, *, name: str, shop_domain: str, token: str):
    return client.post(
        "/channels/new/connection",
        data={
            "draft_id": draft,
            "name": name,
            "shop_domain": shop_domain,
            "access_token": token,
        },
    )


def finish(client, draft: str, statuses=("paid",), inventory_mode: str = "none", import_since: str = ""):
    return client.post(
        "/channels/new/options",
        data={
            "draft_id": draft,
            "order_statuses": list(statuses),
            "inventory_mode": inventory_mode,
            "import_since": import_since,
        },
    )


def create_channel(client, store, name: str = "My store", shop_domain: str | None = None) -> int:
    draft = start(client)
    response = connect(
        client, draft, name=name, shop_domain=shop_domain or store.subdomain, token=store.token
    )
    assert b"3. First options" in response.data, response.data[-3000:]
    response = finish(client, draft)
    assert response.status_code == 303, response.status_code
    return int(re.search(r"/channels/(\d+)/main", response.headers["Location"]).group(1))


# A whole Advanced settings form, as the page posts it (changes 13 fields of a new channel).
ADVANCED = {
    "order_statuses": ["paid", "in_progress"],
    "import_lag_minutes": "45",
    "import_since": "",
    "order_number_prefix": "BS-",
    "initial_order_status": "draft",
    "detail_concurrency": "4",
    "shipment_store_status": "shipped",
    "update_order_with_last_shipment": "yes",
    "send_shipping_confirmation": "y",
    "inventory_mode": "absolute",
    "inventory_buffer": "2",
    "inventory_max": "500",
    "timezone": "Europe/London",
    "weight_unit": "kg",
    "dimension_unit": "cm",
}
