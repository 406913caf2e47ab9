"""Privacy in a browser: set a retention threshold (confirming the orders it makes due), "Purge now" with its
preview count, watch the run in Sync Actions, and open the order with its customer data removed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from models.base import utcnow
from tests.support.browser import htmx_idle, log_in
from tests.support.purge import closed_order
from tests.support.sync import work

pytestmark = pytest.mark.browser


def test_threshold_purge_now_and_the_masked_order(page, world):
    channel = world.a.channel
    closed_order(channel, utcnow() - timedelta(days=100), "BS-OLD")
    closed_order(channel, utcnow() - timedelta(days=2), "BS-RECENT")

    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{channel.id}/main")
    htmx_idle(page)
    privacy = page.locator("#privacy-section")
    privacy.get_by_label("PII retention threshold (days)").fill("30")
    privacy.get_by_role("button", name="Save privacy").click()
    warning = page.locator("#purge-lowering")
    expect(warning).to_contain_text("this will purge 1 order at the next run")
    htmx_idle(page)
    warning.get_by_label("Purge these orders' customer data at the next run").check()
    warning.get_by_role("button", name="Save the lower threshold").click()
    expect(page.locator("#privacy-section")).to_contain_text("Saved 1 change.")

    page.get_by_role("link", name="Purge now…").click()
    expect(page.get_by_test_id("purge-preview")).to_have_text(
        re.compile(r"1 order\s+closed more than 30 days ago would lose its customer data now\.")
    )
    page.get_by_label("I understand that this customer data is removed for good").check()
    page.get_by_role("button", name="Purge now", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/channels/{channel.id}/sync$"))
    expect(page.get_by_text("PII purge started.")).to_be_visible()
    card = page.locator("#run-card-purge_pii")
    expect(card).to_contain_text("Purge PII")
    work()  # the worker runs the job; the card polls itself until the run is final
    expect(card).to_contain_text("Succeeded")
    expect(card).to_contain_text("1 purged")

    page.get_by_role("link", name="Orders", exact=True).click()
    page.locator("#order-table").get_by_role("link", name="BS-OLD").click()
    expect(page.get_by_test_id("pii-purged")).to_contain_text("Customer data removed on")
    shipping = page.get_by_test_id("address-shipping")
    expect(shipping).to_contain_text("Austin")  # kept for reporting
    expect(shipping).not_to_contain_text("Jane")
    expect(shipping).not_to_contain_text("1 Main St")
    expect(page.locator("#order-detail")).not_to_contain_text("jane.doe@example.com")
    expect(page.get_by_test_id("customer")).to_have_count(0)
