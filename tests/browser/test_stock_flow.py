"""Foundation main path: log in, switch account, adjust stock, log out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from extensions import db
from models.catalog import InventoryLevel
from tests.support.browser import log_in, log_out, switch_account

pytestmark = pytest.mark.browser


def test_adjust_stock_after_switching_account(page, world):
    log_in(page, "owner@a.test")
    switch_account(page, "Account A2 (A2)", "Account A2")
    switch_account(page, "Account A1 (A1)", "Account A1")
    page.get_by_role("link", name="Products").click()
    page.get_by_role("link", name="Account A1 tee").click()
    page.get_by_role("link", name="Adjust").first.click()
    page.get_by_label("On hand").fill("42")
    page.get_by_label("Reason").fill("Cycle count")
    page.get_by_role("button", name="Save stock").click()
    expect(page.get_by_text("Stock updated")).to_be_visible()
    expect(page.locator("#variant-grid")).to_contain_text("42")
    db.session.expire_all()
    level = db.session.get(InventoryLevel, world.a.level.id)
    assert (level.on_hand, level.allocated) == (42, 2)  # allocated follows the orders, not the form
    log_out(page)
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
