"""API keys main path: an account admin creates a key, copies it once, sees its use, and revokes it."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser import HANG_GUARD_S, htmx_idle, log_in

pytestmark = pytest.mark.browser


def call_api(live_server: str, key: str) -> requests.Response:
    http = requests.Session()
    http.trust_env = False  # straight to the local server, whatever proxies the environment names
    return http.get(
        f"{live_server}/api/v1/account", headers={"Authorization": f"Bearer {key}"}, timeout=HANG_GUARD_S
    )


def test_create_use_and_revoke_a_key(page, world, live_server):
    log_in(page, "accountadmin@a.test")
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("API keys")
    htmx_idle(page)
    page.get_by_label("Name").fill("Reno WMS")
    page.get_by_role("button", name="Create key").click()  # htmx swaps the panel with the key in it
    expect(page.locator("#new-key")).to_contain_text("will not be shown again")
    key = page.get_by_test_id("new-key-value").input_value()
    assert key.startswith("toms_")

    answer = call_api(live_server, key)
    assert answer.status_code == 200 and answer.json()["account"]["code"] == "A1"

    page.reload()  # the key is gone for good; its last use is shown
    expect(page.locator("#new-key")).to_have_count(0)
    row = page.locator("#api-keys tr", has_text="Reno WMS")
    expect(row).not_to_contain_text("Never")
    expect(page.locator("body")).not_to_contain_text(key)
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("calls with it now answer 401")).to_be_visible()
    expect(page.locator("#api-keys tr", has_text="Reno WMS")).to_contain_text("Revoked")
    answer = call_api(live_server, key)
    assert answer.status_code == 401
