"""The Stock tab in a browser: a receipt in techOMS makes a store SKU differ; the tab shows its figure and
parts, the "differs" filter narrows the table to it, the Preview says what the next delta would push, and
after the export the row no longer differs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from extensions import db
from models.channels import InventoryMode
from services import catalog
from tests.support.browser import htmx_idle, log_in
from tests.support.inventory import export_now, inventory_setup, store_quantities

pytestmark = pytest.mark.browser


def test_stock_tab_explains_filters_previews_and_follows_an_export(page, world, simulator):
    store, channel, variants = inventory_setup(simulator, world.a, inventory_mode=InventoryMode.ABSOLUTE)
    export_now(channel, full=True)
    sku = sorted(sku for sku in store_quantities(simulator, store) if sku != "GIFTCERT")[1]
    catalog.adjust_stock(catalog.level_for(variants[sku], world.a.warehouse), 321, None, "receipt")
    db.session.commit()

    log_in(page, "supervisor@a.test")
    page.goto(f"/channels/{channel.id}/main")
    htmx_idle(page)
    page.get_by_role("link", name="Stock").click()
    row = page.get_by_test_id(f"stock-row-{sku}")
    expect(row).to_contain_text("321")
    expect(row).to_contain_text("differs")

    page.get_by_test_id("differs-filter").click()
    expect(page.locator("#stock-table tbody tr")).to_have_count(1)
    expect(page.get_by_test_id(f"stock-row-{sku}")).to_be_visible()

    page.get_by_test_id("preview-delta").click()
    preview = page.locator("#delta-preview")
    expect(preview).to_contain_text("in 1 call")
    expect(preview).to_contain_text(f"{sku}")

    export_now(channel)
    page.reload()
    htmx_idle(page)
    expect(page.locator("#stock-table tbody")).to_contain_text("No store SKU differs.")
    page.get_by_test_id("differs-filter").click()
    expect(page.get_by_test_id(f"stock-row-{sku}")).not_to_contain_text("differs")
    expect(page.get_by_test_id(f"stock-row-{sku}")).to_contain_text("run ")
