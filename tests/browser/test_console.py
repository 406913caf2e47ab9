"""The console stays clean: htmx swaps add no inline style (the CSP forbids them), the favicon loads, and the
`page` fixture fails any test that logs a console error (tests/browser/conftest.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import htmx_idle, log_in

pytestmark = pytest.mark.browser


def test_htmx_swaps_leave_the_console_clean(page, world):
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{world.a.channel.id}/main")
    htmx_idle(page)
    # htmx's own indicator styles would be an inline <style> the CSP refuses; app.css carries them instead.
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("style").count() == 0

    views = (("Advanced settings", r"/advanced$"), ("History", r"/history$"), ("Main settings", r"/main$"))
    for tab, url in views:
        page.get_by_role("link", name=tab).click()
        expect(page).to_have_url(re.compile(url))
        htmx_idle(page)
    page.get_by_role("button", name="Save main settings").click()
    expect(page.locator("#main-section")).to_contain_text("Nothing to save")
    htmx_idle(page)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/history$"))
    htmx_idle(page)
    assert page.locator("style").count() == 0
    assert errors == []


def test_favicon_loads(page, world):
    log_in(page, "user@a.test")
    response = page.request.get("/favicon.ico")
    assert response.ok and response.headers["content-type"] in ("image/vnd.microsoft.icon", "image/x-icon")
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_attribute("href", "/favicon.ico")
