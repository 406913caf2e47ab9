"""The README's demo, walked as written (issue 14, item 15): the demo data (`flask demo seed`), the
simulator's demo store, and its steps in a browser — create the channel, import, see the failed orders by SKU,
Auto-map and confirm, Retry all, map the supplier's own code with Map…, and a second simulator store made
with the README's command. A real RQ worker runs the imports."""

from __future__ import annotations

import json
import re
import shlex

import pytest
import requests
from playwright.sync_api import expect

from cli.demo_seed import DEMO_PASSWORD, seed
from config import PROJECT_ROOT
from sandbox.demo import DEMO_SHOP_DOMAIN, DEMO_TOKEN
from tests.support.browser import HANG_GUARD_S, htmx_idle
from tests.support.sync import work

pytestmark = pytest.mark.browser
README = (PROJECT_ROOT / "README.md").read_text()


@pytest.fixture
def app_config(app_config, demo_simulator):
    """The store calls go to the demo simulator (tests/support/simulator.py)."""
    return {**app_config, "BRIGHTSITES_ROUTE_TO": demo_simulator}


def second_store_command() -> tuple[str, dict]:
    """The README's command for a second simulator store: its URL path and JSON body."""
    line = next(
        line for line in README.splitlines() if "__sandbox/stores" in line and line.startswith("curl")
    )
    words = shlex.split(line)
    url = next(word for word in words if word.startswith("http://"))
    return url.split(":5001", 1)[1], json.loads(words[words.index("-d") + 1])


def test_the_readme_demo_as_written(page, app, demo_simulator):
    seed()
    page.goto("/login")
    page.get_by_label("Email").fill("accountadmin@demo.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()

    # 1–2. Sales Channels › New channel; Next; name, domain, token, Test connection, Next; Create channel.
    page.get_by_role("link", name="Sales Channels").click()
    page.get_by_role("link", name="New channel").click()
    htmx_idle(page)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Name").fill("Demo store")
    page.get_by_label("Shop Domain").fill(DEMO_SHOP_DOMAIN)
    page.get_by_label("Access Token").fill(DEMO_TOKEN)
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result")).to_contain_text("Connected")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("radio", name=re.compile(r"^Later"))).to_be_checked()  # the default, as written
    page.get_by_role("button", name="Create channel").click()
    expect(page).to_have_url(re.compile(r"/channels/\d+/main$"))
    channel_url = page.url.removesuffix("/main")

    # 3. Sync › Import orders: 23 orders fail on purpose, grouped by the SKU that stopped them.
    page.get_by_role("button", name="Sync").click()
    page.get_by_role("button", name="Import orders").click()
    expect(page).to_have_url(re.compile(r"/sync$"))
    work()
    expect(page.locator("#run-card-import_orders")).to_contain_text("Partial")
    page.reload()
    summary = page.locator("#failed-orders-summary")
    expect(summary).to_contain_text("23 failed orders waiting for a retry")
    for sku in ("BS0012-M-NAVY", "DEMO60-M-NAVY"):
        expect(summary).to_contain_text(sku)

    # 4. SKU Mappings › Auto-map: likely matches, ticked; Map the ticked SKUs; Retry all.
    page.get_by_role("link", name="SKU Mappings").click()
    htmx_idle(page)
    page.get_by_role("button", name="Auto-map").click()
    proposals = page.locator("#sku-proposals")
    for store_sku, techoms_sku in (
        ("BS0012-M-NAVY", "BS-0012-M-NAVY"),
        ("bs-0024-v2-m-navy", "BS-0024-M-NAVY"),
        ("BS-0036_M_NAVY", "BS-0036-M-NAVY"),
        ("BS-0048-M-NVY", "BS-0048-M-NAVY"),
    ):
        expect(page.get_by_role("checkbox", name=f"Map {store_sku} to {techoms_sku}")).to_be_checked()
    expect(proposals).not_to_contain_text("DEMO60")
    proposals.get_by_role("button", name="Map the ticked SKUs").click()
    expect(page.get_by_test_id("mapping-notice")).to_contain_text(
        re.compile(r"failed orders can now be retried")
    )
    page.get_by_test_id("fixed-orders").get_by_role("button", name=re.compile(r"^Retry all")).click()
    work()

    # The supplier's own code: Map… opens the form with the SKU filled in; pick the variant; retry the rest.
    page.goto(f"{channel_url}/sync/failed-orders")
    group = page.get_by_test_id("failure-group").filter(has_text="DEMO60-M-NAVY")
    group.get_by_role("link", name="Map…").click()
    expect(page.get_by_label("Sales Channel SKU")).to_have_value("DEMO60-M-NAVY")
    htmx_idle(page)
    page.get_by_role("searchbox", name="Product Variant").fill("BS-0060-M-N")
    page.get_by_text("BS-0060-M-NAVY").click()
    page.get_by_role("button", name="Add mapping").click()
    expect(page.get_by_test_id("mapping-notice")).to_contain_text("Saved: DEMO60-M-NAVY → BS-0060-M-NAVY.")
    page.goto(f"{channel_url}/sync/failed-orders")
    waiting = int(
        re.search(r"([\d,]+) failed orders? waiting", page.get_by_test_id("failed-total").inner_text())[1]
    )
    group = page.get_by_test_id("failure-group").filter(has_text="DEMO60-M-NAVY")
    expect(group).to_contain_text("maps now")
    group.get_by_role("button", name=re.compile(r"^Retry all")).click()
    work()
    page.reload()
    left = int(
        re.search(r"(\d+) failed orders? waiting", page.get_by_test_id("failed-total").inner_text())[1]
    )
    assert left < waiting < 23
    page.get_by_role("link", name="Orders").first.click()
    expect(page.locator("table")).to_contain_text("Demo store")

    # A second simulator store with the README's command: its domain and token connect a second channel.
    path, body = second_store_command()
    answer = requests.post(f"{demo_simulator}{path}", json=body, timeout=HANG_GUARD_S).json()
    assert answer["domain"] == "second.mybrightsites.com" and len(answer["token"]) >= 20
    assert "second.mybrightsites.com" in README and "readonly_token" in README
