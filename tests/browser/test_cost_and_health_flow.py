"""API cost and health in a browser: the channel page's cost chart (inline SVG, its table fallback), the
allowance saved in place with the banner it brings, and the health panel turning red when the store's breaker
opens and green again when a run by hand succeeds. A real RQ worker runs the jobs (in the test's thread)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from extensions import db
from models.activity import SyncAction, SyncTrigger
from services.api_cost import usage
from sync.start import start_run
from tests.support.browser import htmx_idle, log_in
from tests.support.sync import catalog_for, make_store, sync_channel, work

pytestmark = pytest.mark.browser


def test_the_cost_chart_and_the_allowance_banner(page, world):
    channel = world.a.channel
    today = usage.today()
    usage.add(channel.id, "import_orders", 40, today)
    usage.add(channel.id, "export_inventory", 12, today)
    usage.add(channel.id, usage.CONNECTION_CHECK, 2, today - timedelta(days=2))
    db.session.commit()

    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{channel.id}/main")
    htmx_idle(page)
    section = page.locator("#api-cost-section")
    expect(section.get_by_test_id("calls-today")).to_have_text("52")
    chart = section.get_by_role("img", name="Billed API calls per day, last 30 days (UTC)")
    expect(chart).to_be_visible()
    expect(chart.locator("rect[data-action]")).to_have_count(3)
    assert chart.bounding_box()["width"] > 200  # drawn at the column's width (CSS, no inline style)
    section.get_by_text("Calls per day as a table").click()
    table = section.get_by_test_id("cost-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first).to_contain_text(today.isoformat())
    expect(table.locator("thead")).to_contain_text("Connection checks")

    expect(page.get_by_test_id("api-cost-banner")).to_have_count(0)
    section.get_by_label("Monthly allowance (billed calls)").fill("100")
    section.get_by_label("Warning threshold (billed calls)").fill("50")
    section.get_by_role("button", name="Save API cost").click()
    expect(page.locator("#api-cost-section")).to_contain_text("API cost settings saved.")
    expect(page.locator("#api-cost-section").get_by_test_id("api-cost-banner")).to_contain_text(
        "passed the warning threshold of 50 of 100"
    )
    page.goto("/channels/")
    expect(page.get_by_test_id("api-cost-banner")).to_contain_text(channel.name)


def test_the_health_panel_turns_red_and_back(page, world, simulator):
    store = make_store(simulator, seed=8, products=2, orders=3, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    first, _ = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    db.session.commit()  # queues its job
    work()

    log_in(page, "user@a.test")
    page.goto(f"/channels/{channel.id}/main")
    panel = page.get_by_test_id("health-panel")
    expect(panel).to_have_attribute("data-state", "healthy")
    expect(panel.get_by_test_id("health-breaker")).to_contain_text("Closed")
    expect(panel.get_by_test_id("health-token")).to_contain_text("Valid")

    simulator.set_faults(store, error_rate=1.0)
    for _ in range(5):  # scheduled runs against a failing store, until its breaker opens
        run, _ = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.SCHEDULED)
        db.session.commit()  # queues its job
        work()
    page.reload()
    panel = page.get_by_test_id("health-panel")
    expect(panel).to_have_attribute("data-state", "unhealthy")
    expect(panel.get_by_test_id("health-headline")).to_have_text("Unhealthy")
    expect(panel.get_by_test_id("health-breaker")).to_contain_text("Open: scheduled runs wait until")
    expect(panel.get_by_test_id("health-problems")).to_contain_text("circuit breaker is open")
    page.goto("/channels/")
    expect(page.get_by_test_id("channel-health").first).to_be_visible()
    expect(page.locator("#channel-table")).to_contain_text("Breaker open")

    simulator.reset_faults(store)
    page.goto(f"/channels/{channel.id}/main")
    page.get_by_role("button", name="Sync").click()
    page.get_by_role("button", name="Import orders").click()
    expect(page).to_have_url(re.compile(rf"/channels/{channel.id}/sync$"))
    work()
    page.goto(f"/channels/{channel.id}/main")
    panel = page.get_by_test_id("health-panel")
    expect(panel).to_have_attribute("data-state", "healthy")
    expect(panel.get_by_test_id("health-breaker")).to_have_text(re.compile(r"Closed"))
