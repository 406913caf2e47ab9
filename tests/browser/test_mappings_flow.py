"""Mapping views in a browser: the SKU picker, live search and pages, CSV import with its report, Auto-map."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import htmx_idle, log_in
from tests.support.mappings import add_sku_mapping, add_variant, make_carriers
from tests.support.sync import sync_channel

pytestmark = pytest.mark.browser


def test_sku_mapping_through_the_picker_search_and_import(page, world):
    add_variant(world.a.channel, "HOODIE-L", "Hoodie")
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{world.a.channel.id}/main")
    page.get_by_role("link", name="SKU Mappings").click()
    expect(page).to_have_url(re.compile(r"/mappings/skus$"))
    htmx_idle(page)

    page.get_by_label("Sales Channel SKU").fill("BS-Hoodie")
    page.get_by_role("searchbox", name="Product Variant").fill("hood")
    page.get_by_text("HOODIE-L").click()
    page.get_by_role("button", name="Add mapping").click()
    expect(page.get_by_test_id("mapping-notice")).to_have_text("Saved: BS-Hoodie → HOODIE-L.")
    expect(page.locator("#sku-mapping-table")).to_contain_text("BS-Hoodie")

    # A duplicate is explained next to the field.
    page.get_by_label("Sales Channel SKU").fill("bs-hoodie ")
    page.get_by_role("searchbox", name="Product Variant").fill("tee")
    page.get_by_text("TEE-M-NAVY").click()
    page.get_by_role("button", name="Add mapping").click()
    expect(page.locator("#sku-form")).to_contain_text("BS-Hoodie is already mapped to HOODIE-L.")
    htmx_idle(page)

    # Live search (debounced htmx) narrows the list and pushes the URL.
    page.get_by_label("Search mappings by SKU").fill("zz")
    expect(page.locator("#sku-results")).to_contain_text("No mapping starts with this text.")
    expect(page).to_have_url(re.compile(r"q=zz"))
    page.get_by_label("Search mappings by SKU").fill("bs-h")
    expect(page.locator("#sku-results")).to_contain_text("1 mapping starting with")

    # CSV import: the answer lists each row's outcome.
    htmx_idle(page)
    content = "Sales Channel SKU,techOMS SKU\nBS-TEE,tee-m-navy\nBS-HOODIE,HOODIE-L\nBS-CAP,NO-SUCH\n"
    page.locator("#import-file").set_input_files(
        files=[{"name": "C_SKU_Mappings.csv", "mimeType": "text/csv", "buffer": content.encode()}]
    )
    page.get_by_role("button", name="Import").click()
    report = page.locator("#import-report-table")
    expect(report).to_contain_text("created")
    expect(report).to_contain_text("already present")
    expect(report).to_contain_text("No product variant has SKU NO-SUCH.")
    expect(page.get_by_test_id("mapping-notice")).to_contain_text("created 1, already present 1, unknown 1")


def test_auto_map_against_a_store(page, world, simulator):
    store = simulator.create_store(seed=5, products=1, orders=0, vendor_managed=[])
    # Made directly: the wizard's own path is tested in tests/blueprints/test_channel_wizard.py.
    channel = sync_channel(store, world.a.account, name="Auto store")
    channel_id = channel.id
    add_variant(channel, "sim-0001-s-blk")
    add_variant(channel, "SIM-0001-M-WHT")

    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{channel_id}/mappings/skus")
    page.get_by_role("link", name="Unmapped").click()
    htmx_idle(page)
    expect(page.get_by_test_id("unmapped-count")).to_contain_text("5 store SKUs map to nothing")
    page.get_by_role("link", name="Mappings", exact=True).click()
    expect(page.get_by_role("button", name="Auto-map")).to_be_visible()
    htmx_idle(page)
    page.get_by_role("button", name="Auto-map").click()
    expect(page.get_by_test_id("mapping-notice")).to_contain_text("Auto-map mapped 2 channel SKUs")
    expect(page.locator("#sku-mapping-table")).to_contain_text("SIM-0001-S-BLK")


def test_sku_list_pages_keep_the_search(page, world):
    for n in range(55):
        add_sku_mapping(world.a.channel, f"CH-{n:03d}", world.a.variant)
    add_sku_mapping(world.a.channel, "OTHER-1", world.a.variant)
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{world.a.channel.id}/mappings/skus?q=ch-")
    htmx_idle(page)
    results = page.locator("#sku-results")
    expect(results).to_contain_text("55 mappings starting with")
    expect(results).to_contain_text("Page 1 of 2")

    # Next swaps only the results (the search box and the add form stay) and records the page in the URL.
    page.get_by_label("Sales Channel SKU").fill("kept while paging")
    results.get_by_role("link", name="Next").click()
    expect(results).to_contain_text("Page 2 of 2")
    expect(results).to_contain_text("CH-054")
    expect(results).not_to_contain_text("OTHER-1")
    expect(page).to_have_url(re.compile(r"/mappings/skus\?q=ch-&page=2$"))
    expect(page.get_by_label("Sales Channel SKU")).to_have_value("kept while paging")
    htmx_idle(page)
    results.get_by_role("link", name="Previous").click()
    expect(results).to_contain_text("Page 1 of 2")
    expect(results).to_contain_text("CH-000")


def test_choosing_a_carrier_narrows_the_service_list(page, world):
    services = make_carriers()
    ups_next_day = services["UPS", "NDA"].id
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{world.a.channel.id}/mappings/carriers")
    htmx_idle(page)
    service = page.get_by_label("Service System Code")
    expect(service.locator("option", has_text="FDX / GND")).to_have_count(1)  # every service until a carrier

    page.get_by_label("Carrier System Code").focus()
    with page.expect_response(re.compile(r"/mappings/carriers/services\?")):
        page.get_by_label("Carrier System Code").select_option(label="UPS · UPS")
    expect(service.locator("option", has_text="FDX / GND")).to_have_count(0)
    expect(service.locator("option", has_text="UPS / NDA")).to_have_count(1)
    expect(page.get_by_label("Carrier System Code")).to_be_focused()  # the swap does not move the focus
    service.select_option(str(ups_next_day))

    # Another carrier: the UPS service is no longer offered nor kept.
    with page.expect_response(re.compile(r"/mappings/carriers/services\?")):
        page.get_by_label("Carrier System Code").select_option(label="FDX · FDX")
    expect(service.locator("option")).to_have_text(["Choose a service…", "FDX / GND · FedEx Ground"])
    expect(service).to_have_value("")

    page.get_by_label("Carrier Channel Code").fill("FedEx Ground")
    service.select_option(label="FDX / GND · FedEx Ground")
    page.get_by_role("button", name="Add mapping").click()
    expect(page.get_by_test_id("mapping-notice")).to_contain_text("Saved: FedEx Ground")
