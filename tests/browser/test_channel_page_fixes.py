"""The channel page as a new user finds it (issue 14): what a person sees after a full page load, a save, a
store move, a timeout, a delete."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from extensions import db
from models.channels import SalesChannel
from services.channels import token_vault
from tests.support.browser import htmx_idle, log_in
from tests.support.mappings import make_carriers

pytestmark = pytest.mark.browser


def on_store(channel: SalesChannel, store) -> SalesChannel:
    """The world's channel, connected to a simulator store with its read-write token."""
    channel.shop_domain = store.domain
    token_vault.store(channel, store.token, True)
    db.session.commit()
    return channel


def test_carrier_add_mapping_works_after_a_full_page_load(page, world, simulator):
    on_store(world.a.channel, simulator.create_store(products=1, orders=0))
    make_carriers()
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{world.a.channel.id}/mappings/carriers")  # a full load, not a tab click
    htmx_idle(page)
    page.get_by_label("Carrier Channel Code").fill("UPS Ground")
    page.get_by_label("Carrier System Code").select_option(label="UPS · UPS")
    page.get_by_label("Service System Code").select_option(label="UPS / GND · Ground")
    page.get_by_role("button", name="Add mapping").click()
    expect(page.get_by_test_id("mapping-notice")).to_contain_text("UPS Ground")
    expect(page.locator("#carrier-mapping-table")).to_contain_text("UPS Ground")
    htmx_idle(page)
    # The store's list still refreshes on its own button.
    page.get_by_role("button", name="Refresh shipping methods").click()
    expect(page.get_by_test_id("mapping-notice")).to_contain_text("shipping methods from the store")
