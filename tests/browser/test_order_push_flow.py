"""Order push main path: an account admin turns push on, copies the intake URL (shown once), the store pushes
an order to it, and the order arrives without a call to the store."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from extensions import db
from models.orders import SalesOrder
from tests.support.browser import htmx_idle, log_in
from tests.support.order_push import point_store_at, wait_for_pushes
from tests.support.sync import catalog_for, make_store, sync_channel, work

pytestmark = pytest.mark.browser


def test_turn_push_on_copy_the_url_and_see_a_pushed_order_arrive(page, world, simulator, live_server):
    store = make_store(simulator, seed=5, products=4, orders=0, gift_rate=0, moas_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account, name="Push store")
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{channel.id}/advanced")
    section = page.get_by_test_id("order-push")
    expect(section.get_by_test_id("push-status")).to_have_text("Off")
    htmx_idle(page)
    section.get_by_role("button", name="Turn push on").click()
    expect(section.get_by_test_id("push-status")).to_have_text("On")
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    expect(page.get_by_test_id("push-setup")).to_contain_text("BrightSites JSON")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    url = page.evaluate("navigator.clipboard.readText()")
    assert url == page.get_by_test_id("push-url").input_value()
    assert url.startswith(f"{live_server}/intake/brightsites/")

    point_store_at(simulator, store, url)
    simulator.reset_calls(store)
    order_id = simulator.add_order(store, status="paid")
    wait_for_pushes(simulator, store)
    work()  # the worker imports the push
    assert simulator.calls(store)["total"] == 0

    page.reload()  # the secret is not shown again; the order is counted as pushed
    expect(page.get_by_test_id("push-url")).to_have_count(0)
    expect(page.get_by_test_id("push-masked-url")).to_contain_text("••••")
    expect(page.locator("body")).not_to_contain_text(url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("arrivals-push")).to_have_text("1 order")
    number = db.session.scalar(
        select(SalesOrder.number).where(
            SalesOrder.channel_id == channel.id, SalesOrder.external_id == order_id
        )
    )
    page.goto("/orders")
    expect(page.locator("main")).to_contain_text(number)
