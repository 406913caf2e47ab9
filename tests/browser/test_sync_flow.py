"""Sync in a browser: start an import from Quick actions › Sync, watch it finish, read the run's events, and
retry a failed order after adding its SKU mapping. A real RQ worker runs the job (in the test's thread)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from extensions import db
from models.catalog import sku_key
from models.mappings import SkuMapping
from tests.support.browser import log_in
from tests.support.sync import catalog_for, make_store, sku_used_by_an_order, sync_channel, work

pytestmark = pytest.mark.browser


def test_import_watch_events_and_retry(page, world, simulator):
    store = make_store(simulator, seed=3, products=4, orders=20, moas_rate=0, gift_rate=0)
    variants = catalog_for(simulator, store, world.a.account)
    missing = sku_used_by_an_order(simulator, store)
    replacement = variants.pop(missing)
    replacement.set_sku("RENAMED-IN-TECHOMS")  # the store's SKU no longer matches: a mapping is needed
    db.session.commit()
    channel = sync_channel(store, world.a.account)

    log_in(page, "user@a.test")
    page.goto(f"/channels/{channel.id}/main")
    page.get_by_role("button", name="Sync").click()
    page.get_by_role("button", name="Import orders").click()
    expect(page).to_have_url(re.compile(rf"/channels/{channel.id}/sync$"))
    card = page.locator("#run-card-import_orders")
    expect(card).to_contain_text("Queued")
    work()  # the worker runs the job; the card polls itself until the run is final
    expect(card).to_contain_text("Partial")
    expect(card.locator("progress")).to_have_count(0)
    expect(page.locator("#run-history")).to_contain_text("Partial")  # the run lists refreshed themselves
    expect(page.locator("#failed-orders-summary")).to_contain_text(missing)  # failed orders grouped by SKU

    card.get_by_role("link", name="Events").click()
    page.get_by_role("link", name=re.compile(r"^Error \(\d+\)$")).click()
    expect(page.locator("#run-events")).to_contain_text(f"SKU '{missing}' matches no product variant")

    db.session.add(
        SkuMapping(
            channel_id=channel.id,
            channel_sku=missing,
            channel_sku_key=sku_key(missing),
            variant_id=replacement.id,
        )
    )
    db.session.commit()
    page.goto(f"/channels/{channel.id}/sync")
    group = page.get_by_test_id("failure-group").filter(has_text=missing)
    expect(group).to_contain_text("maps now")
    group.get_by_role("button", name=re.compile(r"^Retry all")).click()
    expect(page.get_by_text(re.compile(r"Retrying \d+ failed orders?\."))).to_be_visible()
    work()
    expect(page.locator("#run-card-import_orders")).to_contain_text("Succeeded")
