"""Failed orders and Auto-map in a browser (issue 14, items 6 and 7): the failed orders grouped by cause and
paged with htmx, Map… opening the SKU mapping with the SKU filled in, Retry all; Auto-map's proposals ticked
and confirmed, the answer saying what they fixed, with Retry all. A real RQ worker runs the retries."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import htmx_idle, log_in
from tests.support.failed_orders import failing_channel, respelled_channel
from tests.support.sync import work

pytestmark = pytest.mark.browser


def test_failed_orders_grouped_paged_mapped_and_retried(page, world, simulator):
    _store, channel, missing, _variants = failing_channel(
        simulator, world, orders=200, products=2, missing_count=3
    )
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{channel.id}/sync")
    summary = page.locator("#failed-orders-summary")
    expect(summary).to_contain_text("failed orders waiting for a retry")
    summary.get_by_role("link", name="All failed orders").click()
    expect(page).to_have_url(re.compile(r"/sync/failed-orders$"))
    htmx_idle(page)
    listing = page.locator("#failed-order-list")
    expect(listing).to_contain_text(re.compile(r"Page 1 of [2-9]"))
    expect(listing.locator("#pending-orders tbody tr")).to_have_count(50)
    # SKU failures are retried from the JSON they failed on (no call): every import tries them, no pause.
    expect(listing.get_by_test_id("next-try").first).to_have_text("next import")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 8_000, height  # one page of 50, not every failed order

    listing.get_by_role("link", name="Next").click()  # htmx swaps the list alone and records the URL
    expect(listing).to_contain_text(re.compile(r"Page 2 of"))
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#failure-groups")).to_be_visible()

    group = page.get_by_test_id("failure-group").filter(has_text=missing[0])
    group.get_by_role("link", name="Show orders").click()
    expect(page.locator("#failed-order-list h3")).to_contain_text(missing[0])
    group = page.get_by_test_id("failure-group").filter(has_text=missing[0])
    group.get_by_role("link", name="Map…").click()
    expect(page).to_have_url(re.compile(r"/mappings/skus\?new_sku="))
    expect(page.get_by_label("Sales Channel SKU")).to_have_value(missing[0])
    htmx_idle(page)
    page.get_by_role("searchbox", name="Product Variant").fill("sim")
    page.locator("#variant-choices input[type=radio]").first.check()
    page.get_by_role("button", name="Add mapping").click()
    expect(page.get_by_test_id("mapping-notice")).to_contain_text(f"Saved: {missing[0]} →")

    page.goto(f"/channels/{channel.id}/sync/failed-orders")
    group = page.get_by_test_id("failure-group").filter(has_text=missing[0])
    expect(group).to_contain_text("maps now")
    orders = int(re.search(r"Retry all (\d+)", group.inner_text()).group(1))
    group.get_by_role("button", name=re.compile(r"^Retry all")).click()
    expect(page.get_by_text(f"Retrying {orders} failed orders.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/sync/failed-orders$"))  # back where it was pressed
    work()
    page.reload()
    expect(page.get_by_test_id("failure-group").filter(has_text=missing[0])).to_have_count(0)


def test_auto_map_proposals_confirmed_then_retry_all(page, world, simulator):
    _store, channel, spellings = respelled_channel(simulator, world)
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{channel.id}/mappings/skus")
    htmx_idle(page)
    page.get_by_role("button", name="Auto-map").click()
    proposals = page.locator("#sku-proposals")
    expect(proposals.get_by_test_id("proposal")).to_have_count(3)
    for store_sku, techoms_sku in spellings.items():
        expect(page.get_by_role("checkbox", name=f"Map {store_sku} to {techoms_sku}")).to_be_checked()
    wrong = next(iter(spellings.items()))
    page.get_by_role("checkbox", name=f"Map {wrong[0]} to {wrong[1]}").uncheck()
    proposals.get_by_role("button", name="Map the ticked SKUs").click()
    notice = page.get_by_test_id("mapping-notice")
    expect(notice).to_contain_text(
        re.compile(r"^2 mappings created; \d+ failed orders? can now be retried\.$")
    )
    fixed = page.get_by_test_id("fixed-orders")
    fixed.get_by_role("button", name=re.compile(r"^Retry all \d+$")).click()
    expect(page.get_by_text(re.compile(r"Retrying \d+ failed orders?\."))).to_be_visible()
    work()
    page.reload()
    expect(page.locator("#failed-orders-summary")).to_contain_text(wrong[0])  # the unticked one still waits
    expect(page.locator("#run-history")).to_contain_text("Succeeded")
