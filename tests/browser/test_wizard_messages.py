"""The wizard's connection step tells the truth after each Test connection: a token the store refused is not
offered as "kept", and its error goes once a good token connects (the step comes back whole, not only the
result line)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import htmx_idle, log_in

pytestmark = pytest.mark.browser


def test_a_refused_token_is_neither_kept_nor_left_beside_connected(page, world, bs_store):
    refused = "wrong-token-of-32-characters-n123"
    log_in(page, "accountadmin@a.test")
    page.goto("/channels/new/")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Name").fill("Truthful store")
    page.get_by_label("Shop Domain").fill(bs_store.subdomain)
    page.get_by_label("Access Token").fill(refused)
    htmx_idle(page)
    with page.expect_response(re.compile(r"/channels/new/test-connection$")):
        page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result")).to_contain_text(
        "Not connected: see the message under Access Token."
    )
    token_field = page.locator("#wizard .mb-3", has=page.get_by_label("Access Token"))
    expect(token_field.locator(".invalid-feedback")).to_have_count(1)
    expect(token_field).not_to_contain_text("n123 is kept")

    page.get_by_label("Access Token").fill(bs_store.token)
    with page.expect_response(re.compile(r"/channels/new/test-connection$")):
        page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result")).to_contain_text("Connected")
    token_field = page.locator("#wizard .mb-3", has=page.get_by_label("Access Token"))
    expect(token_field.locator(".invalid-feedback")).to_have_count(0)
    expect(token_field).to_contain_text(f"A token ending in {bs_store.token[-4:]} is kept")
    expect(page.locator("#wizard")).not_to_contain_text("refused")
    page.get_by_role("button", name="Next").click()  # the kept token: the field is left blank
    expect(page.get_by_text("3. First options")).to_have_attribute("aria-current", "step")


def test_back_and_reload_keep_the_wizards_progress(page, world, bs_store):
    log_in(page, "accountadmin@a.test")
    page.goto("/channels/new/")
    htmx_idle(page)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Name").fill("Kept store")
    page.get_by_label("Shop Domain").fill(bs_store.subdomain)
    page.get_by_label("Access Token").fill(bs_store.token)
    with page.expect_response(re.compile(r"/channels/new/connection$")):
        page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("3. First options")).to_have_attribute("aria-current", "step")
    expect(page).to_have_url(re.compile(r"/channels/new/\?draft=[^&]+&step=options$"))

    page.reload()  # the step and the draft survive a reload
    expect(page.get_by_text("3. First options")).to_have_attribute("aria-current", "step")
    page.get_by_role("link", name="Back").click()  # step 3 has a Back
    expect(page.get_by_text("2. Connection")).to_have_attribute("aria-current", "step")
    expect(page.get_by_label("Name")).to_have_value("Kept store")
    expect(page.get_by_label("Shop Domain")).to_have_value(bs_store.domain)
    expect(page.locator("#wizard")).to_contain_text(f"A token ending in {bs_store.token[-4:]} is kept")
