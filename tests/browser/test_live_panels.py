"""Panels that show run results follow the runs without a reload: on the channel page the health panel and
the API cost figures change when a run shown on the page ends (the run card's last poll sends
`sync-run-finished`); the channel list polls while a run is active. A real RQ worker runs the job in the
test's thread while the page stays open."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from extensions import db
from models.activity import SyncAction, SyncRun, SyncTrigger
from sync.start import start_run
from tests.support.browser import htmx_idle, log_in
from tests.support.sync import make_store, sync_channel, work

pytestmark = pytest.mark.browser


def test_health_and_cost_change_when_the_run_ends(page, world, simulator):
    store = make_store(simulator, seed=3, products=2, orders=4, moas_rate=0, gift_rate=0)
    channel = sync_channel(store, world.a.account)  # no catalog: the orders' SKUs map to nothing, they fail

    log_in(page, "user@a.test")
    page.goto(f"/channels/{channel.id}/main")
    htmx_idle(page)
    panel = page.get_by_test_id("health-panel")
    expect(panel.get_by_test_id("health-failed-orders")).to_contain_text(re.compile(r"Failed orders\s+0"))
    expect(page.get_by_test_id("calls-today")).to_have_text("0")

    page.get_by_role("button", name="Sync").click()
    with page.expect_response(re.compile(r"/sync/import-orders$")):
        page.get_by_role("button", name="Import orders").click()
    expect(page.locator("#run-card-import_orders")).to_be_visible()
    work()  # the page stays open: no reload from here on

    run = db.session.scalars(select(SyncRun).where(SyncRun.channel_id == channel.id)).one()
    failed = run.counts["failed"]
    assert failed >= 1 and run.api_calls >= 1
    panel = page.get_by_test_id("health-panel")
    expect(panel.get_by_test_id("health-failed-orders")).to_contain_text(
        re.compile(rf"Failed orders\s+{failed}\b")
    )
    expect(panel.get_by_test_id("health-headline")).to_have_text(
        f"{failed} failed order{'s' if failed > 1 else ''}"
    )
    expect(page.get_by_test_id("calls-today")).to_have_text(str(run.api_calls))


def test_the_channel_list_follows_a_scheduled_run(page, world, simulator):
    store = make_store(simulator, seed=4, products=2, orders=2, moas_rate=0, gift_rate=0)
    channel = sync_channel(store, world.a.account)
    start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.SCHEDULED)
    db.session.commit()  # queued: the list polls every 2 s while it is

    log_in(page, "user@a.test")
    page.goto("/channels/")
    row = page.locator("#channel-table tr", has_text=channel.name)
    expect(row.get_by_test_id("last-import")).to_contain_text("Queued")
    with page.expect_response(re.compile(r"/channels/\?idle=0$")):  # the list asked for itself again
        pass
    work()
    expect(row.get_by_test_id("last-import")).not_to_contain_text("Queued")
    expect(row.get_by_test_id("last-import")).to_contain_text(re.compile(r"Succeeded|Partial"))
