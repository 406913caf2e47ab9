"""The order's life on its page (issue #22): hold and release, a note for the store order, cancel on the
store with a refund warning, void a shipment and export the corrected one, and the timeline telling all of
it. A real RQ worker carries the store writes out (in the test's thread) against the simulator."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import htmx_exchange, htmx_idle, log_in
from tests.support.shipments import export_channel, export_now, imported_orders, ship, store_shipments
from tests.support.sync import work

pytestmark = pytest.mark.browser


def test_hold_release_note_and_cancel_with_a_refund_warning(page, world, simulator):
    store, channel = export_channel(simulator, world, orders=6, seed=107)
    order = imported_orders(channel)[0]
    simulator.set_faults(store, refund_fails=True)

    log_in(page, "accountadmin@a.test")
    page.goto(f"/orders/{order.id}")
    htmx_idle(page)
    page.get_by_label("Reason for the hold").fill("Address check")
    page.get_by_role("button", name="Hold", exact=True).click()
    held = page.get_by_test_id("order-held")
    expect(held).to_contain_text("Address check")
    held.get_by_role("button", name="Release").click()
    expect(page.get_by_text(f"Order {order.number} released from hold.")).to_be_visible()
    expect(page.get_by_test_id("order-held")).to_have_count(0)

    page.get_by_label("Note for the store order (appended there)").fill("Leave at the back door")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("The note is being added to the store order.")).to_be_visible()
    page.get_by_test_id("cancel-on-store").click()
    expect(page.get_by_text(f"Cancelling order {order.number} on the store")).to_be_visible()
    work()  # the worker carries both writes out

    page.goto(f"/orders/{order.id}")
    writes = page.locator("#store-writes")
    expect(writes).to_contain_text("Note: Leave at the back door")
    expect(page.get_by_test_id("store-write-warning")).to_contain_text("Unable to refund payment")
    expect(page.get_by_test_id("order-status")).to_have_text("Cancelled")
    expect(page.get_by_test_id("cancel-on-store")).to_have_count(0)
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Held: Address check")
    expect(timeline).to_contain_text("Released from hold")
    expect(timeline).to_contain_text("error: Unable to refund payment")
    notes = simulator.admin("GET", f"/stores/{store.subdomain}/orders/{order.external_id}/payload")["notes"]
    assert [n["note"] for n in notes if n["username"] == "API"] == ["Leave at the back door"]


def test_void_a_shipment_and_export_the_corrected_one(page, world, simulator):
    store, channel = export_channel(simulator, world, orders=6, seed=109)
    order = imported_orders(channel)[0]
    wrong = ship(order, [line.quantity for line in order.lines if line.is_physical], "1ZWRONGTRACK")
    export_now(channel)

    log_in(page, "accountadmin@a.test")
    page.goto(f"/orders/{order.id}")
    htmx_idle(page)
    row = page.locator(f'[data-testid="shipment-{wrong.id}"]')
    expect(row.get_by_test_id("shipment-store-status")).to_contain_text("Sent")
    row.get_by_test_id("void-shipment").click()
    expect(page.get_by_text("Voiding shipment 1ZWRONGTRACK on the store")).to_be_visible()
    work()
    page.goto(f"/orders/{order.id}")
    expect(page.get_by_test_id("shipment-voided")).to_be_visible()
    assert store_shipments(simulator, store, [order.external_id]) == []

    page.get_by_role("button", name="Add shipment").click()
    form = page.locator("#add-shipment")
    form.get_by_label("Carrier and service").select_option(label="UPS / GND — Ground")
    form.get_by_label("Tracking number").fill("1ZRIGHTTRACK")
    form.get_by_role("button", name="Save shipment").click()
    expect(page.get_by_text("Shipment 1ZRIGHTTRACK added")).to_be_visible()
    export_now(channel)
    page.goto(f"/orders/{order.id}")
    right = page.locator("#shipments tr", has_text="1ZRIGHTTRACK")
    expect(right.get_by_test_id("shipment-store-status")).to_contain_text("Sent")
    expect(page.get_by_test_id("timeline")).to_contain_text("Shipment 1ZWRONGTRACK voided")
    assert [s["tracking_number"] for s in store_shipments(simulator, store, [order.external_id])] == [
        "1ZRIGHTTRACK"
    ]


def test_mark_in_progress_when_fulfilment_starts_from_advanced_settings(page, world, simulator):
    """The toggle saved (and in History), then the first package of an order: the store order is marked
    (Back ordered here: no warehouse is mapped, so nothing is held for what is left), once, by the worker."""
    store, channel = export_channel(simulator, world, orders=8, seed=113)
    order = next(
        o
        for o in imported_orders(channel, min_lines=2)
        if o.store_status not in ("in_progress", "back_ordered")
    )
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{channel.id}/advanced")
    htmx_idle(page)
    label = "Mark orders In progress on the store when fulfilment starts"
    expect(page.locator("#advanced-section")).to_contain_text("the first shipment of an order is recorded")
    page.get_by_label(label).check()
    with htmx_exchange(page):
        page.get_by_role("button", name="Save advanced settings").click()
    expect(page.locator("#advanced-section")).to_contain_text("Saved 1 change.")
    expect(page.get_by_label(label)).to_be_checked()
    page.get_by_role("link", name="History").click()
    expect(page.locator("#history-table")).to_contain_text(f"Setting changed: {label}")

    page.goto(f"/orders/{order.id}")
    htmx_idle(page)
    page.get_by_role("button", name="Add shipment").click()
    form = page.locator("#add-shipment")
    for line in sorted(order.lines, key=lambda line: line.id)[1:]:
        form.locator(f'input[name="quantity_{line.id}"]').fill("0")
    form.get_by_label("Carrier and service").select_option(label="UPS / GND — Ground")
    form.get_by_label("Tracking number").fill("1ZFIRSTBOX")
    form.get_by_role("button", name="Save shipment").click()
    expect(page.get_by_text("Shipment 1ZFIRSTBOX added")).to_be_visible()
    work()  # the worker carries the acknowledgement out

    page.goto(f"/orders/{order.id}")
    writes = page.locator("#store-writes")
    expect(writes).to_contain_text("Acknowledge")
    expect(writes).to_contain_text("Status set to back_ordered")
    expect(page.get_by_test_id("order-status")).to_have_text("Partially shipped")
    assert simulator.inspect_order(store, order.external_id)["status"] == "back_ordered"
    assert simulator.calls(store)["total"] == 1
