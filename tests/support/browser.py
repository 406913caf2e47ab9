"""Helpers for the Playwright tests: logging in (with the second factor where the user has one) and out,
switching account, and waiting for htmx to settle.

Every wait follows an event: a navigation, a response, a DOM change (Playwright's `expect` re-checks on each
change), or htmx's own events, which HTMX_EVENTS counts in the page. None has a time budget of its own: a
busy shared machine can make any step many times slower. HANG_GUARD only ends a test that truly hangs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import expect

from tests.support.mfa import current_code, enrol_if_asked
from tests.support.world import PASSWORD

HANG_GUARD_S = 300
HANG_GUARD_MS = HANG_GUARD_S * 1000
# Installed in every page before its scripts run: counts htmx's requests sent, answered and settled.
HTMX_EVENTS = """
(() => {
  const counts = { sent: 0, answered: 0, settled: 0 };
  window.__htmxEvents = counts;
  document.addEventListener("htmx:beforeSend", () => { counts.sent += 1; }, true);
  document.addEventListener("htmx:afterRequest", () => { counts.answered += 1; }, true);
  document.addEventListener("htmx:afterSettle", () => { counts.settled += 1; }, true);
})();
"""
_IDLE = (
    "() => document.readyState === 'complete' && window.htmx !== undefined"
    " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
)


def htmx_idle(page) -> None:
    """Wait until the page's deferred scripts ran and htmx finished swapping and settling: only then are the
    elements' htmx triggers live (a click or input earlier would be lost). Re-checked on every animation
    frame, however long the machine takes; the page's default timeout is only the hang guard."""
    page.wait_for_function(_IDLE, polling="raf")


@contextmanager
def htmx_exchange(page, settles: int = 1) -> Iterator[None]:
    """Around an action that makes htmx requests: wait until `settles` more swaps settled (counted from
    htmx:afterSettle) and the page is idle again."""
    before = page.evaluate("() => window.__htmxEvents.settled")
    yield
    page.wait_for_function("(n) => window.__htmxEvents.settled >= n", arg=before + settles, polling="raf")
    htmx_idle(page)


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
