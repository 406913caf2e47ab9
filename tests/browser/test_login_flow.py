"""Main path of the foundation screens in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in, log_out, switch_account

pytestmark = pytest.mark.browser


def test_log_in_switch_account_log_out(page, world):
    log_in(page, "admin@a.test")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Account A1")
    # The session cookie is HttpOnly: scripts cannot read it.
    assert "techoms_session" not in page.evaluate("document.cookie")
    switch_account(page, "Account A2 (A2)", "Account A2")
    log_out(page)
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
    page.goto("/overview")
    assert "/login" in page.url


def test_wrong_password_is_explained(page, world):
    page.goto("/login")
    page.get_by_label("Email").fill("admin@a.test")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Email or password is incorrect.")
