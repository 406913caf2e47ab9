"""Shipments main path: add a shipment on the order page, export it from Quick actions › Sync, see it Sent.
A real RQ worker runs the export (in the test's thread) against the simulator."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import htmx_idle, log_in
from tests.support.shipments import export_channel, imported_orders, store_shipments
from tests.support.sync import work

pytestmark = pytest.mark.browser


def test_add_a_shipment_export_it_and_see_it_sent(page, world, simulator):
    store, channel = export_channel(simulator, world)
    order = imported_orders(channel, min_lines=2)[0]

    log_in(page, "user@a.test")
    page.goto(f"/orders/{order.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
    htmx_idle(page)
    page.get_by_role("button", name="Add shipment").click()
    form = page.locator("#add-shipment")
    expect(form).to_be_visible()
    first_line = form.locator("#shipment-lines tbody tr").first
    expect(first_line.get_by_role("spinbutton")).not_to_have_value("")  # what is left, by default
    form.get_by_label("Carrier and service").select_option(label="UPS / GND — Ground")
    form.get_by_label("Tracking number").fill("1ZBROWSER01")
    form.get_by_role("button", name="Save shipment").click()

    expect(page.get_by_text("Shipment 1ZBROWSER01 added")).to_be_visible()
    row = page.locator("#shipments tr", has_text="1ZBROWSER01")
    expect(row.get_by_test_id("shipment-store-status")).to_contain_text("Waiting")
    expect(page.get_by_test_id("order-status")).to_have_text("Shipped")

    page.locator("#order-header").get_by_role("link", name=channel.name).click()
    htmx_idle(page)
    page.get_by_role("button", name="Sync").click()
    page.get_by_role("button", name="Export shipments").click()
    expect(page).to_have_url(re.compile(rf"/channels/{channel.id}/sync$"))
    expect(page.get_by_text("Shipment export started.")).to_be_visible()
    card = page.locator("#run-card-export_shipments")
    expect(card).to_contain_text("Queued")
    work()  # the worker runs the job; the card polls itself until the run is final
    expect(card).to_contain_text("Succeeded")
    expect(card).to_contain_text("1 sent")

    (on_store,) = store_shipments(simulator, store)
    page.goto(f"/orders/{order.id}")
    status = page.locator("#shipments tr", has_text="1ZBROWSER01").get_by_test_id("shipment-store-status")
    expect(status).to_contain_text("Sent")
    expect(status).to_contain_text(f"store shipment {on_store['id']}")
    expect(page.locator("#order-events")).to_contain_text(f"sent: store shipment {on_store['id']}")
