"""Inventory in a browser: change a stock level, run Quick actions › Sync › Export inventory, and see the new
quantity on the SKU mapping row and on the store (the simulator). A real RQ worker runs the job."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from extensions import db
from models.catalog import sku_key
from models.mappings import SkuMapping
from tests.support.browser import htmx_idle, log_in
from tests.support.inventory import export_now, inventory_setup, store_quantities
from tests.support.sync import work

pytestmark = pytest.mark.browser


def test_change_stock_export_and_see_it_on_the_mapping_row_and_the_store(page, world, simulator):
    store, channel, variants = inventory_setup(simulator, world.a)
    export_now(channel)  # the store already shows today's figures: only the change will go out
    sku = sorted(store_quantities(simulator, store))[2]
    variant = variants[sku]
    db.session.add(
        SkuMapping(
            channel_id=channel.id, channel_sku=sku, channel_sku_key=sku_key(sku), variant_id=variant.id
        )
    )
    db.session.commit()

    log_in(page, "supervisor@a.test")
    page.get_by_role("link", name="Products").click()
    page.get_by_role("link", name=variant.product.name).click()
    page.get_by_test_id(f"variant-{variant.id}").get_by_role("link", name="Adjust").click()
    page.get_by_label("On hand").fill("737")
    page.get_by_label("Reason").fill("Goods received")
    page.get_by_role("button", name="Save stock").click()
    expect(page.get_by_text("Stock updated")).to_be_visible()

    page.goto(f"/channels/{channel.id}/main")
    htmx_idle(page)
    page.get_by_role("button", name="Sync").click()
    page.get_by_role("button", name="Export inventory").click()
    expect(page).to_have_url(re.compile(rf"/channels/{channel.id}/sync$"))
    card = page.locator("#run-card-export_inventory")
    expect(card).to_contain_text("Queued")
    work()  # the worker runs the job; the card polls itself until the run is final
    expect(card).to_contain_text("Succeeded")
    expect(card).to_contain_text("1 updated")

    htmx_idle(page)
    page.get_by_role("link", name="SKU Mappings").click()
    row = page.locator("#sku-mapping-table tbody tr", has_text=sku)
    expect(row.get_by_test_id("last-push")).to_contain_text("737")
    assert store_quantities(simulator, store)[sku] == 737
