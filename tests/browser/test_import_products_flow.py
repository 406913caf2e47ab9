"""Import products in a browser: an account without the store's catalog imports the demo store's products
from Quick actions › Sync, then its orders import with no SKU failure. A real RQ worker runs the jobs."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from extensions import db
from models.activity import PendingOrder
from models.orders import SalesOrder
from sandbox.demo import DEMO_SHOP_DOMAIN, DEMO_TOKEN
from tests.support.browser import log_in
from tests.support.sync import sync_channel, work

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config, demo_simulator):
    """The store calls go to the demo simulator (tests/support/simulator.py)."""
    return {**app_config, "BRIGHTSITES_ROUTE_TO": demo_simulator}


def test_a_fresh_account_imports_the_catalog_then_its_orders(page, world):
    store = SimpleNamespace(domain=DEMO_SHOP_DOMAIN, token=DEMO_TOKEN)
    channel = sync_channel(store, world.a.account, name="Demo store")

    log_in(page, "user@a.test")
    page.goto(f"/channels/{channel.id}/main")
    page.get_by_role("button", name="Sync").click()
    page.get_by_role("button", name="Import products").click()
    expect(page).to_have_url(re.compile(rf"/channels/{channel.id}/sync$"))
    card = page.locator("#run-card-import_products")
    expect(card).to_contain_text("Queued")
    work()
    expect(card).to_contain_text("Succeeded")
    expect(card).to_contain_text("360 new")  # 60 products × 3 sizes × 2 colours
    expect(card).to_contain_text("1 skipped")  # the gift certificate

    page.get_by_role("button", name="Import orders now").click()  # Sync Actions' own form
    work()
    orders_card = page.locator("#run-card-import_orders")
    expect(orders_card).to_contain_text("Succeeded")
    expect(page.locator("#failed-orders-summary")).to_have_count(0)
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count(PendingOrder.id)).where(PendingOrder.channel_id == channel.id))
        == 0
    )
    assert db.session.scalar(select(func.count(SalesOrder.id)).where(SalesOrder.channel_id == channel.id)) > 0
