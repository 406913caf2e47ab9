"""Channel screens in a browser: the wizard against the simulator, view tabs with history, roles."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import htmx_exchange, htmx_idle, log_in

pytestmark = pytest.mark.browser


def test_admin_creates_a_channel_and_edits_it(page, world, bs_store):
    log_in(page, "accountadmin@a.test")
    page.get_by_role("link", name="Sales Channels").click()
    page.get_by_role("link", name="New channel").click()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Name").fill("Browser store")
    page.get_by_label("Shop Domain").fill(bs_store.subdomain)
    page.get_by_label("Access Token").fill(bs_store.token)
    htmx_idle(page)
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result")).to_contain_text("Connected")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Shipped").check()
    page.get_by_role("button", name="Create channel").click()
    expect(page).to_have_url(re.compile(r"/channels/\d+/main$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Browser store")
    assert bs_store.token not in page.content()

    # View tabs swap with htmx and push URLs; the back button returns to the previous view.
    page.get_by_role("link", name="Advanced settings").click()
    expect(page).to_have_url(re.compile(r"/advanced$"))
    expect(page.get_by_label("Safety buffer")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/main$"))
    expect(page.get_by_label("Import orders")).to_be_visible()
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/advanced$"))
    expect(page.get_by_label("Safety buffer")).to_be_visible()
    htmx_idle(page)

    # Save an advanced setting through Quick actions › Save, then find it in History.
    page.get_by_label("Safety buffer").fill("3")
    with htmx_exchange(page):  # counted htmx:afterSettle, then idle: no time budget
        page.locator("#quick-save").click()
    expect(page.locator("#advanced-section")).to_contain_text("Saved 1 change.")
    page.get_by_role("link", name="History").click()
    expect(page.locator("#history-table")).to_contain_text("Setting changed: Safety buffer")
    expect(page.locator("#history-table")).to_contain_text("accountadmin@a.test")


def test_invalid_value_is_explained_in_place(page, world):
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{world.a.channel.id}/advanced")
    page.get_by_label("Import lag (minutes)").fill("-3")
    page.get_by_role("button", name="Save advanced settings").click()
    expect(page.locator("#advanced-section")).to_contain_text("Nothing was saved")
    expect(page.locator("#advanced-section")).to_contain_text("Number must be between 0 and 1440.")


def test_account_user_sees_the_channel_read_only(page, world):
    log_in(page, "user@a.test")
    page.goto(f"/channels/{world.a.channel.id}/main")
    expect(page.get_by_label("Import orders")).to_be_disabled()
    expect(page.locator("#quick-save")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)


def test_supervisor_cannot_change_the_shop_domain(page, world):
    log_in(page, "supervisor@a.test")
    page.goto(f"/channels/{world.a.channel.id}/main")
    domain = page.locator("#general-section").get_by_label("Shop Domain")
    expect(domain).to_have_attribute("readonly", "")
    # Even if the browser sends a changed value, the server refuses it.
    domain.evaluate("element => { element.removeAttribute('readonly'); element.value = 'elsewhere'; }")
    page.get_by_role("button", name="Save general").click()
    expect(page.locator("#general-section")).to_contain_text("may change the Shop Domain")
