"""The store's channel SKUs include vendor-managed products, which /inventories leaves out: the Unmapped view
and Auto-map see them before an order fails on them, at a bounded number of billed calls."""

from __future__ import annotations

import re

import pytest

from extensions import db
from models.channels import SalesChannel
from models.tenancy import Role
from tests.support import channel_steps
from tests.support.mappings import add_variant
from tests.support.world import ROLE_EMAILS

VENDOR_MANAGED = 3
HX = {"HX-Request": "true"}


@pytest.fixture
def store(simulator):
    return simulator.create_store(
        seed=4, products=3, orders=30, vendor_managed=[VENDOR_MANAGED], gift_rate=0, moas_rate=0
    )


@pytest.fixture
def channel_id(client, world, login, store):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    return channel_steps.create_channel(client, store)


def vendor_managed_order_skus(simulator, store) -> set[str]:
    """The SKUs the store's orders carry for the vendor-managed product, none of them in /inventories."""
    with simulator.client(store) as bs:
        skus = {
            line["final_sku"]
            for summary in bs.iter_orders()
            for line in bs.get_order(summary["order_id"])["line_items"]
            if line["product_id"] == VENDOR_MANAGED
        }
        assert skus and not skus & {row["final_sku"] for row in bs.iter_inventories()}
    simulator.reset_calls(store)
    return skus


def read_count(page) -> int:
    return int(re.search(r"(\d+) channel SKUs read from the store", page.get_data(as_text=True)).group(1))


def test_unmapped_view_lists_the_skus_of_vendor_managed_products(client, simulator, store, channel_id):
    order_skus = vendor_managed_order_skus(simulator, store)

    page = client.get(f"/channels/{channel_id}/mappings/skus/unmapped")

    assert page.status_code == 200
    listed = page.get_data(as_text=True)
    assert all(f"{sku}</td>" in listed for sku in order_skus)
    assert read_count(page) == 3 * 6 + 1  # 3 products x 3 sizes x 2 colours, and the gift certificate
    # /inventories and the products listing (one page each), and the show of the one product left out.
    assert simulator.calls(store)["total"] == 3


def test_refresh_shows_only_products_that_changed(client, simulator, store, channel_id):
    client.get(f"/channels/{channel_id}/mappings/skus/unmapped")
    simulator.reset_calls(store)

    url = f"/channels/{channel_id}/mappings/refresh"
    response = client.post(url, data={"kind": "channel_skus"}, headers=HX)

    assert "Read 19 channel SKUs from the store." in response.get_data(as_text=True)
    assert simulator.calls(store)["total"] == 2  # the vendor-managed product is unchanged: not shown again


def test_auto_map_maps_vendor_managed_skus(client, simulator, store, channel_id):
    sku = sorted(vendor_managed_order_skus(simulator, store))[0]
    add_variant(db.session.get(SalesChannel, channel_id), sku)

    response = client.post(f"/channels/{channel_id}/mappings/skus/auto-map", headers=HX)

    assert "Auto-map mapped 1 channel SKU (19 on the store" in response.get_data(as_text=True)
