"""Helpers for the Playwright tests: logging in (with the second factor where the user has one) and out,
switching account, and waiting for htmx to settle."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support.mfa import current_code, enrol_if_asked
from tests.support.world import PASSWORD


def htmx_idle(page) -> None:
    """Wait until the page's deferred scripts ran and htmx finished swapping and settling: only then are the
    elements' htmx triggers live (a click or input earlier would be lost)."""
    page.wait_for_function(
        "() => document.readyState === 'complete' && window.htmx !== undefined"
        " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")
    if "/mfa/enrol" in page.url:  # promoted to a role that requires MFA: as if they had scanned the QR code
        enrol_if_asked(email)
        page.goto("/login/code")
    if "/login/code" in page.url:  # a user with MFA: the code their authenticator app shows
        page.get_by_label("Authentication code").fill(current_code(email))
        page.get_by_role("button", name="Verify").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    # The page's deferred scripts (htmx, app.js) run before "load": only then does the switcher submit itself.
    page.wait_for_load_state("load")


def switch_account(page, label: str, heading: str) -> None:
    page.get_by_label("Account").select_option(label=label)  # submits by itself (app.js)
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    page.wait_for_load_state("load")


def log_out(page) -> None:
    """Log out from the user menu (the navbar's button with the user's name)."""
    page.get_by_test_id("whoami").click()
    page.get_by_role("button", name="Log out").click()
