"""The Overview in a browser: an operator sees what needs attention on each channel and follows the link to
the place that fixes it; the board refreshes itself when a run ends (no reload)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from extensions import db
from models.activity import SyncAction, SyncTrigger
from sync.start import start_run
from tests.support.browser import log_in
from tests.support.sync import make_store, sync_channel, work

pytestmark = pytest.mark.browser


def test_failed_orders_show_up_without_a_reload_and_link_to_their_fix(page, world, simulator):
    store = make_store(simulator, seed=6, products=2, orders=3, moas_rate=0, gift_rate=0)
    channel = sync_channel(store, world.a.account, name="Overview store")  # no catalog: orders fail
    start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.SCHEDULED)
    db.session.commit()  # queues its job

    log_in(page, "user@a.test")
    page.goto("/overview")
    card = page.get_by_test_id("overview-channel").filter(has_text="Overview store")
    expect(card.get_by_test_id("overview-nothing")).to_have_text("Nothing to do.")
    work()  # the run ends while the page stays open
    link = card.get_by_test_id("attention-failed-orders").get_by_role("link")
    expect(link).to_contain_text(re.compile(r"\d+ failed orders? waiting for a retry\."))
    link.click()
    expect(page).to_have_url(re.compile(rf"/channels/{channel.id}/sync/failed-orders$"))
