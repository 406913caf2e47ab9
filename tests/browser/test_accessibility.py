"""Accessibility: axe-core (vendored, pinned: tests/browser/vendor/axe-4.10.3.min.js, from the npm package
axe-core) finds no WCAG 2.1 A/AA violation on the main pages for every role; the skip link leads to the
content; after an htmx swap the focus is on the new panel's heading, or on the first refused field after a
422; the wizard can be walked with the keyboard alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from models.tenancy import Role
from tests.support.browser import htmx_idle, log_in
from tests.support.world import ROLE_EMAILS

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe-4.10.3.min.js").read_text()
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page) -> list[str]:
    """axe's WCAG 2.1 AA violations on the page as it is now (injected through the DevTools protocol, which
    the page's CSP does not govern)."""
    if not page.evaluate("() => window.axe !== undefined"):
        page.evaluate(AXE)
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations.map("
        "(v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)",
        WCAG_AA,
    )


def _pages(world, role: Role) -> list[str]:
    channel = world.a.channel
    pages = [
        "/overview",
        "/channels/",
        f"/channels/{channel.id}/main",
        f"/channels/{channel.id}/advanced",
        f"/channels/{channel.id}/history",
        f"/channels/{channel.id}/sync",
        f"/channels/{channel.id}/mappings/skus",
        f"/channels/{channel.id}/mappings/carriers",
        f"/channels/{channel.id}/mappings/warehouses",
        "/orders/",
        "/products/",
    ]
    if role in (Role.ORG_OWNER, Role.ORG_ADMIN, Role.ACCOUNT_ADMIN):
        pages.append("/channels/new/")
    return pages


@pytest.mark.parametrize("role", list(ROLE_EMAILS), ids=lambda role: role.value)
def test_no_wcag_aa_violation_on_the_main_pages(page, world, role):
    log_in(page, ROLE_EMAILS[role])
    problems = {}
    for url in _pages(world, role):
        page.goto(url)
        htmx_idle(page)
        found = violations(page)
        if found:
            problems[url] = found
    assert not problems, problems


def test_the_skip_link_leads_to_the_content(page, world):
    log_in(page, "user@a.test")
    page.goto("/channels/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_focus_follows_the_swap(page, world):
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{world.a.channel.id}/main")
    htmx_idle(page)
    with page.expect_response(re.compile(r"/advanced$")):
        page.get_by_role("link", name="Advanced settings").click()
    htmx_idle(page)
    focused = page.evaluate("() => document.activeElement.closest('#view-panel') !== null")
    assert focused, "the focus stayed outside the new view"
    page.get_by_label("Safety buffer").fill("-5")
    with page.expect_response(lambda response: response.status == 422):
        page.get_by_role("button", name="Save advanced settings").click()
    expect(page.get_by_label("Safety buffer")).to_be_focused()
    expect(page.get_by_label("Safety buffer")).to_have_attribute("aria-invalid", "true")
    described = page.get_by_label("Safety buffer").get_attribute("aria-describedby")
    expect(page.locator(f"#{described.split()[-1]}")).to_contain_text(re.compile(r"\S"))


def test_the_wizard_with_the_keyboard_only(page, world, bs_store):
    log_in(page, "accountadmin@a.test")
    page.goto("/channels/new/")
    htmx_idle(page)
    page.get_by_role("button", name="Next").focus()
    with page.expect_response(re.compile(r"/channels/new/type$")):
        page.keyboard.press("Enter")
    htmx_idle(page)
    # Step 2: the focus is in the new step; Tab reaches each field in order.
    page.get_by_label("Name").focus()
    page.keyboard.type("Keyboard store")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Shop Domain")).to_be_focused()
    page.keyboard.type(bs_store.subdomain)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Access Token")).to_be_focused()
    page.keyboard.type(bs_store.token)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Test connection")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Next")).to_be_focused()
    with page.expect_response(re.compile(r"/channels/new/connection$")):
        page.keyboard.press("Enter")
    expect(page.get_by_text("3. First options")).to_have_attribute("aria-current", "step")
    page.get_by_role("button", name="Create channel").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/channels/\d+/main$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Keyboard store")


# --- The channel page with the keyboard alone ---------------------------------------------------------------

FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 3;
}"""


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches `selector` (at most `limit` times: a hang guard, not a
    wait), as a keyboard user would; fails when it is never reached."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def focused_text(page) -> str:
    return page.evaluate("() => document.activeElement.textContent.trim()")


def test_the_channel_page_with_the_keyboard_only(page, world):
    channel = world.a.channel
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{channel.id}/main")
    htmx_idle(page)

    # The view tabs are reachable with Tab, show the focus ring, and the arrows move between them.
    tab_to(page, "#view-tabs a.nav-link")
    assert focused_text(page) == "Main settings"
    assert page.evaluate(FOCUS_RING), "the focused tab shows no focus ring"
    page.keyboard.press("ArrowRight")
    assert focused_text(page) == "Advanced settings"
    page.keyboard.press("End")
    last = focused_text(page)
    page.keyboard.press("ArrowRight")  # wraps round to the first
    assert focused_text(page) == "Main settings" and last != "Main settings"
    page.keyboard.press("ArrowRight")

    # Enter opens the view; the focus lands on the new panel's heading, inside the panel, ring visible.
    with page.expect_response(re.compile(r"/advanced$")):
        page.keyboard.press("Enter")
    htmx_idle(page)
    expect(page).to_have_url(re.compile(r"/advanced$"))
    assert page.evaluate("() => document.activeElement.closest('#view-panel') !== null")
    assert page.evaluate("() => /^(H[1-6]|LEGEND)$/.test(document.activeElement.tagName)"), focused_text(page)
    assert page.evaluate(FOCUS_RING), "the focused heading shows no focus ring"

    # A section saved by keyboard: Tab to the field, type, Tab to its Save, Enter.
    tab_to(page, "#advanced-form input[name=inventory_buffer]")
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    tab_to(page, "#advanced-form button[type=submit]")
    with page.expect_response(lambda response: response.request.method == "POST" and response.status == 200):
        page.keyboard.press("Enter")
    htmx_idle(page)
    expect(page.get_by_label("Safety buffer")).to_have_value("4")
    assert page.evaluate("() => document.activeElement !== document.body"), "the focus fell to <body>"
    assert page.evaluate("() => document.activeElement.closest('#view-panel') !== null")

    # A run started by keyboard: back to the tabs, the arrows to Sync Actions, Enter, Tab to the button.
    page.keyboard.press("Shift+Tab")
    while not page.evaluate("() => document.activeElement.matches('#view-tabs a.nav-link')"):
        page.keyboard.press("Shift+Tab")
    while focused_text(page) != "Sync Actions":
        page.keyboard.press("ArrowRight")
    with page.expect_response(re.compile(r"/sync$")):
        page.keyboard.press("Enter")
    htmx_idle(page)
    assert page.evaluate("() => document.activeElement.closest('#view-panel') !== null")
    tab_to(page, "#import-form button[type=submit]")
    assert page.evaluate(FOCUS_RING), "the focused button shows no focus ring"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    htmx_idle(page)
    expect(page.locator("#run-card-import_orders")).to_contain_text(re.compile(r"Queued|Running|Done|Failed"))
