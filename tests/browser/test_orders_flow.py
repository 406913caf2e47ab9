"""Orders main path: open the list, filter it live by status, open an order, read its lines and events."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from models.activity import EventLevel
from models.orders import OrderStatus
from tests.support.browser import htmx_idle, log_in
from tests.support.orders import SHIPPING, add_event, make_order

pytestmark = pytest.mark.browser


def test_filter_orders_by_status_and_open_one(page, world):
    make_order(world.a.channel, "BS-1001")
    shipped = make_order(
        world.a.channel,
        "BS-1002",
        status=OrderStatus.SHIPPED,
        lines=[{"name": "Navy tee"}, {"external_line_id": 77, "name": "Gift card", "is_physical": False}],
        addresses=[SHIPPING],
    )
    add_event(shipped, "Carrier UPS Air is not mapped", EventLevel.WARNING)
    log_in(page, "supervisor@a.test")
    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Orders")
    table = page.locator("#order-table")
    expect(table.get_by_role("link", name="BS-1001")).to_be_visible()
    htmx_idle(page)

    page.get_by_label("Status").select_option(label="Shipped")  # htmx swaps the results, pushes the URL
    expect(table.get_by_role("link", name="BS-1001")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"status=shipped"))
    page.reload()  # the pushed URL renders the same list on its own
    expect(page.get_by_label("Status")).to_have_value("shipped")
    expect(page.locator("#order-table").get_by_role("link", name="BS-1001")).to_have_count(0)

    page.locator("#order-table").get_by_role("link", name="BS-1002").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Order BS-1002")
    lines = page.locator("#order-lines")
    expect(lines).to_contain_text("Navy tee")
    expect(lines.locator("tr", has_text="Gift card")).to_contain_text("Not fulfilled")
    expect(page.locator("#order-events")).to_contain_text("Carrier UPS Air is not mapped")
    expect(page.locator("#order-events")).to_contain_text("Warning")
    expect(page.get_by_test_id("address-shipping")).to_contain_text("Texas (TX)")
