"""A refused billed call says why on the page, whatever part of the page the button was to update."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from models.tenancy import Role
from tests.support.browser import htmx_idle, log_in
from tests.support.world import ROLE_EMAILS

pytestmark = pytest.mark.browser


@pytest.mark.expected_statuses(429)  # past the budget on purpose
def test_a_refresh_past_the_limit_is_explained(app, world, page):
    app.config["STORE_CALL_LIMITS_PER_CHANNEL"] = "1/minute"
    log_in(page, ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page.goto(f"/channels/{world.a.channel.id}/mappings/warehouses")
    htmx_idle(page)
    refresh = page.get_by_role("button", name="Refresh origin addresses")
    refresh.click()
    expect(page.get_by_test_id("mapping-problem")).to_contain_text("Could not read")
    htmx_idle(page)
    refresh.click()
    expect(page.get_by_role("alert").filter(has_text="The store bills every call")).to_be_visible()
    expect(page.get_by_test_id("reference-origin_addresses")).to_be_visible()  # the view stays as it was
    expect(page).to_have_url(re.compile(r"/mappings/warehouses$"))
