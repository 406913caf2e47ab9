"""The layout from 1280 px wide and at phone width (375 px): no horizontal scrolling, and a navbar whose items
neither wrap nor get cut, with real-length account and user names (issue 14, item 11)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from extensions import db
from models.tenancy import Role
from tests.support.browser import htmx_idle, log_in, switch_account
from tests.support.mappings import add_sku_mapping, add_variant
from tests.support.orders import make_order

pytestmark = pytest.mark.browser

WIDTHS = (1280, 1366, 375)
ACCOUNT = "Northwind Outfitters West Coast"

# Every item of the expanded navbar: none may wrap onto a second line or be cut.
NAVBAR_PROBLEMS = """() => {
  const nav = document.querySelector("nav.navbar");
  const items = [...nav.querySelectorAll(
    ".navbar-brand, .nav-link, .navbar-text, .navbar a, .navbar button:not(.navbar-toggler), .navbar select"
  )].filter((item) => item.offsetParent !== null);
  const lines = (item) => {  // how many lines its text takes
    const range = document.createRange();
    range.selectNodeContents(item);
    const boxes = [...range.getClientRects()].filter((r) => r.width > 0);
    return new Set(boxes.map((r) => Math.round(r.bottom))).size;
  };
  const canvas = document.createElement("canvas").getContext("2d");
  const problems = [];
  const middles = [];
  for (const item of items) {
    const name = item.id || item.textContent.trim().slice(0, 30);
    if (item.tagName === "SELECT") {  // its chosen text must fit between the padding and the arrow
      const style = getComputedStyle(item);
      canvas.font = style.font;
      const text = item.selectedOptions[0] ? item.selectedOptions[0].text : "";
      const room = item.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      if (canvas.measureText(text).width > room + 1) problems.push(`${name} cuts "${text}"`);
    } else {
      if (lines(item) > 1) problems.push(`${name} wraps`);
      if (item.scrollWidth > item.clientWidth + 1) problems.push(`${name} is cut`);
    }
    const box = item.getBoundingClientRect();
    if (box.right > innerWidth) problems.push(`${name} overflows the window`);
    middles.push(box.top + box.height / 2);
  }
  if (Math.max(...middles) - Math.min(...middles) > 6) problems.push("the items are not on one line");
  return {problems, count: items.length};
}"""


def _pages(world) -> list[tuple[str, str]]:
    channel = world.a.channel
    return [
        ("channel page", f"/channels/{channel.id}/main"),
        ("channel history", f"/channels/{channel.id}/history"),
        ("orders list", "/orders/"),
        ("SKU mappings", f"/channels/{channel.id}/mappings/skus"),
    ]


@pytest.fixture
def long_names(world):
    """Names as long as real ones get, and data in every table shown."""
    world.a.account.name = ACCOUNT
    world.a.users[Role.ORG_ADMIN].name = "Alexandra Montgomery-Whitfield"
    channel = world.a.channel
    channel.name = "Northwind Outfitters West Coast store"
    db.session.commit()
    variant = add_variant(channel, "NORTHWIND-HOODIE-XXL-HEATHER-CHARCOAL", "Heavyweight fleece hoodie")
    for n in range(5):
        add_sku_mapping(channel, f"BS-NORTHWIND-HOODIE-XXL-HEATHER-CHARCOAL-{n:03d}", variant)
    for n in range(5):
        make_order(channel, f"NWW-2026-{n:06d}")
    return world


@pytest.mark.parametrize("width", WIDTHS)
def test_no_horizontal_scrolling_and_a_whole_navbar(page, long_names, width):
    world = long_names
    log_in(page, "admin@a.test")  # an organization role: the account switcher shows
    switch_account(page, f"{ACCOUNT} (A1)", ACCOUNT)
    page.set_viewport_size({"width": width, "height": 900})
    for name, url in _pages(world):
        page.goto(url)
        htmx_idle(page)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert scroll <= inner, f"{name} at {width} px scrolls sideways ({scroll} > {inner})"
        if width >= 1280:
            report = page.evaluate(NAVBAR_PROBLEMS)
            assert report["count"] >= 8 and not report["problems"], f"{name} at {width} px: {report}"
            expect(page.get_by_test_id("whoami")).to_contain_text("Alexandra Montgomery-Whitfield")
        else:
            toggler = page.get_by_role("button", name="Toggle navigation")
            toggler.click()
            expect(page.get_by_test_id("whoami")).to_be_visible()
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            assert scroll <= inner, f"{name} at {width} px, menu open, scrolls sideways ({scroll} > {inner})"
