"""Webhooks main path: an account admin adds an endpoint (its secret shown once), sends a test event that a
local receiver verifies with that secret, sees the delivery in the log, disables and re-enables the endpoint,
and deletes it (its log stays). The dispatcher's turn and a real RQ worker run in the test's thread; the
endpoint's https URL is routed to the receiver (WEBHOOK_ROUTE_TO), as in development."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bench.webhook_receiver import Receiver
from jobs.webhook_jobs import dispatch_once
from tests.support.browser import htmx_idle, log_in
from tests.support.sync import work

pytestmark = pytest.mark.browser
URL = "https://hooks.example.com/techoms"


@pytest.fixture
def receiver(app_config):
    receiver = Receiver()
    app_config["WEBHOOK_ROUTE_TO"] = receiver.start()
    yield receiver
    receiver.stop()


def send_what_is_due() -> None:
    """The dispatcher process's turn, then the endpoint's job on a real worker."""
    dispatch_once()
    work()


def test_add_test_disable_enable_and_delete_an_endpoint(receiver, page, world, live_server):
    log_in(page, "accountadmin@a.test")
    page.get_by_role("link", name="API keys").click()
    page.locator("#webhooks-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Webhooks")
    htmx_idle(page)

    page.get_by_label("Endpoint URL").fill(URL)
    page.get_by_label("order.created").check()
    page.get_by_label("shipment.sent").check()
    page.get_by_role("button", name="Add endpoint").click()  # htmx swaps the panel with the secret in it
    expect(page.locator("#new-secret")).to_contain_text("will not be shown again")
    secret = page.get_by_test_id("new-secret-value").input_value()
    assert secret.startswith("whsec_")
    row = page.locator("#webhook-endpoints tr", has_text=URL)
    expect(row).to_contain_text("Active")

    receiver.secret = secret
    row.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("Test event queued")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(secret)  # shown once only
    send_what_is_due()
    (got,) = receiver.deliveries
    assert got.verified and got.event_type == "test" and got.path == "/techoms"

    page.reload()
    logged = page.locator("#webhook-deliveries tbody tr", has_text="test")
    expect(logged).to_contain_text("Delivered")
    expect(logged).to_contain_text("200")
    expect(logged.get_by_role("button", name="Replay")).to_be_visible()

    row.get_by_role("button", name="Disable").click()
    expect(page.get_by_text("its deliveries wait until you enable it")).to_be_visible()
    expect(row).to_contain_text("Disabled")
    expect(row).to_contain_text("Disabled by accountadmin@a.test")
    expect(row.get_by_role("button", name="Send test event")).to_have_count(0)
    row.get_by_role("button", name="Re-enable").click()
    expect(page.get_by_text("waiting deliveries go out again")).to_be_visible()
    expect(row).to_contain_text("Active")

    row.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("its delivery log stays below")).to_be_visible()
    expect(row).to_contain_text("Deleted")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(page.locator("#webhook-deliveries tbody tr", has_text="test")).to_contain_text("Delivered")
