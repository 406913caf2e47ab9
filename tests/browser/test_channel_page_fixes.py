"""The channel page as a new user finds it (issue 14): what a person sees after a full page load, a save, a
store move, a timeout, a delete."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from extensions import db
from models.channels import SalesChannel
from services.channels import token_vault
from tests.support.browser import htmx_exchange, htmx_idle, log_in
from tests.support.mappings import add_carrier_mapping, add_sku_mapping, make_carriers
from tests.support.world import PASSWORD

pytestmark = pytest.mark.browser


def on_store(channel: SalesChannel, store) -> SalesChannel:
    """The world's channel, connected to a simulator store with its read-write token."""
    channel.shop_domain = store.domain
    token_vault.store(channel, store.token, True)
    db.session.commit()
    return channel


def test_carrier_add_mapping_works_after_a_full_page_load(page, world, simulator):
    on_store(world.a.channel, simulator.create_store(products=1, orders=0))
    make_carriers()
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{world.a.channel.id}/mappings/carriers")  # a full load, not a tab click
    htmx_idle(page)
    page.get_by_label("Carrier Channel Code").fill("UPS Ground")
    service = page.get_by_label("Service System Code")
    with page.expect_response(re.compile(r"/mappings/carriers/services\?")):
        page.get_by_label("Carrier System Code").select_option(label="UPS · UPS")
    # the service list is swapped for UPS's: choose once it is in (a choice made before the swap is replaced)
    expect(service.locator("option", has_text="FDX / ")).to_have_count(0)
    service.select_option(label="UPS / GND · Ground")
    page.get_by_role("button", name="Add mapping").click()
    expect(page.get_by_test_id("mapping-notice")).to_contain_text("UPS Ground")
    expect(page.locator("#carrier-mapping-table")).to_contain_text("UPS Ground")
    htmx_idle(page)
    # The store's list still refreshes on its own button.
    page.get_by_role("button", name="Refresh shipping methods").click()
    expect(page.get_by_test_id("mapping-notice")).to_contain_text("shipping methods from the store")


class Dialogs:
    """Answers every dialog (confirm, beforeunload) the page opens, yes or no as `accept` says at the time,
    and keeps what each asked."""

    def __init__(self, page, accept: bool = True) -> None:
        self.accept = accept
        self.seen: list[tuple[str, str]] = []
        page.on("dialog", self._answer)

    def _answer(self, dialog) -> None:
        self.seen.append((dialog.type, dialog.message))
        dialog.accept() if self.accept else dialog.dismiss()


def test_the_header_follows_every_save(page, world, simulator):
    store = simulator.create_store(products=1, orders=0)
    channel = on_store(world.a.channel, store)
    twin = simulator.create_store(products=1, orders=0, token=store.token)
    Dialogs(page)  # the store move asks first
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{channel.id}/main")
    htmx_idle(page)
    header = page.locator("#channel-header")

    general = page.locator("#general-section")
    general.get_by_label("Name").fill("Renamed store")
    with htmx_exchange(page):  # counted: the section and the header swapped and settled
        general.get_by_role("button", name="Save general").click()
    expect(general).to_contain_text("Saved 1 change.")
    expect(header.get_by_role("heading", level=1)).to_have_text("Renamed store")
    expect(header.get_by_role("navigation", name="breadcrumb")).to_contain_text("Renamed store")
    expect(page).to_have_title("Renamed store · techOMS Sales Channels")

    page.get_by_label("Status").select_option("inactive")
    with htmx_exchange(page):
        page.get_by_role("button", name="Save main settings").click()
    expect(page.locator("#main-section")).to_contain_text("Saved 1 change.")
    expect(header.locator(".badge", has_text=re.compile(r"^Inactive$"))).to_have_count(1)
    expect(header.locator(".badge", has_text=re.compile(r"^Active$"))).to_have_count(0)

    htmx_idle(page)
    general = page.locator("#general-section")
    general.get_by_label("Shop Domain").fill(twin.subdomain)
    general.get_by_role("button", name="Save general").click()
    expect(general).to_contain_text(f"Moved to {twin.domain}")
    expect(header.get_by_test_id("channel-domain")).to_have_text(twin.domain)


def test_quick_save_saves_every_edited_section(page, world):
    log_in(page, "accountadmin@a.test")
    channel = world.a.channel
    page.goto(f"/channels/{channel.id}/main")
    htmx_idle(page)
    page.get_by_label("Status").select_option("inactive")
    page.locator("#general-section").get_by_label("Name").fill("Both saved")
    page.locator("#quick-save").click()
    status = page.locator("#quick-save-status")
    expect(status).to_have_text("Saved Main settings and General.")
    expect(page.locator("#main-section")).to_contain_text("Saved 1 change.")
    expect(page.locator("#general-section")).to_contain_text("Saved 1 change.")

    page.reload()
    htmx_idle(page)
    expect(page.get_by_label("Status")).to_have_value("inactive")
    expect(page.locator("#general-section").get_by_label("Name")).to_have_value("Both saved")

    # What cannot be saved is named, and stays on the page with its error.
    page.get_by_label("Import orders").select_option("15")
    page.get_by_label("PII retention threshold (days)").fill("0")
    page.locator("#quick-save").click()
    expect(status).to_have_text("Saved Main settings. Not saved: Privacy (see the errors there).")
    expect(page.locator("#privacy-section")).to_contain_text("Nothing was saved")
    expect(page.get_by_label("PII retention threshold (days)")).to_have_value("0")
    htmx_idle(page)
    page.get_by_label("PII retention threshold (days)").fill("")
    page.get_by_role("button", name="Save privacy").click()
    expect(page.locator("#privacy-section")).to_contain_text("Nothing to save")

    htmx_idle(page)
    page.locator("#quick-save").click()
    expect(status).to_have_text("No unsaved changes.")


def test_leaving_with_unsaved_changes_asks_first(page, world):
    log_in(page, "accountadmin@a.test")
    channel = world.a.channel
    page.goto(f"/channels/{channel.id}/main")
    htmx_idle(page)
    dialogs = Dialogs(page, accept=False)
    asked = dialogs.seen
    page.get_by_label("Import orders").select_option("60")

    # A tab switch would drop the main settings: it asks, and staying keeps the edit.
    page.get_by_role("link", name="Advanced settings").click()
    expect(page.get_by_label("Import orders")).to_have_value("60")
    assert asked == [("confirm", "Main settings has unsaved changes. Leave them unsaved?")]

    # Leaving the page asks the browser's own question.
    with page.expect_event("dialog"):  # the browser's question (answered "stay" by Dialogs)
        page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="Channels").click()
    assert [kind for kind, _ in asked] == ["confirm", "beforeunload"]
    expect(page).to_have_url(f"{page.url.split('/channels/')[0]}/channels/{channel.id}/main")
    expect(page.get_by_label("Import orders")).to_have_value("60")

    # Once saved, nothing is asked.
    page.locator("#quick-save").click()
    expect(page.locator("#quick-save-status")).to_have_text("Saved Main settings.")
    page.get_by_role("link", name="Advanced settings").click()
    expect(page.get_by_label("Safety buffer")).to_be_visible()
    assert len(asked) == 2


def test_moving_to_another_store_brings_its_token(page, world, simulator):
    store = simulator.create_store(products=1, orders=0)
    channel = on_store(world.a.channel, store)
    other = simulator.create_store(products=1, orders=0)  # a token of its own
    asked = Dialogs(page).seen
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{channel.id}/main")
    htmx_idle(page)
    general = page.locator("#general-section")
    token = general.get_by_label("Access token for the new store")
    expect(token).to_be_hidden()
    general.get_by_label("Shop Domain").fill(other.subdomain)
    expect(token).to_be_visible()

    # Without the new store's token, the old one is tried there and refused: the reason says what to do.
    general.get_by_role("button", name="Save general").click()
    expect(general).to_contain_text("Enter the new store's access token to move the channel with it.")
    htmx_idle(page)
    token = page.locator("#general-section").get_by_label("Access token for the new store")
    expect(token).to_be_visible()
    token.fill(other.token)
    page.locator("#general-section").get_by_role("button", name="Save general").click()
    expect(page.locator("#general-section")).to_contain_text(
        f"Moved to {other.domain} with the token •••• {other.token[-4:]}."
    )
    expect(page.get_by_test_id("channel-domain")).to_have_text(other.domain)
    assert asked[-1] == (
        "confirm",
        f"Move this channel from {store.domain} to {other.domain}? "
        "Its next imports read the new store; orders already imported stay.",
    )
    assert other.token not in page.content()
    db.session.expire_all()
    moved = db.session.get(SalesChannel, channel.id)
    assert moved.shop_domain == other.domain and token_vault.decrypt(moved.token_ciphertext) == other.token


def test_map_button_brings_the_form_into_view(page, world, simulator):
    store = simulator.create_store(seed=5, products=1, orders=0, vendor_managed=[])
    channel = on_store(world.a.channel, store)
    for n in range(55):  # a full first page of mappings: the form is far below
        add_sku_mapping(channel, f"CH-{n:03d}", world.a.variant)
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{channel.id}/mappings/skus/unmapped")
    htmx_idle(page)
    first_row = page.locator("#unmapped-table tbody tr").first
    sku = first_row.locator("td").first.inner_text()
    first_row.get_by_role("link", name="Map…").click()
    expect(page).to_have_url(re.compile(r"/mappings/skus\?new_sku=.+#sku-form$"))
    form = page.locator("#sku-form")
    expect(form.get_by_label("Sales Channel SKU")).to_have_value(sku)
    expect(form).to_be_in_viewport()
    # The SKU is filled in already: the focus waits in the first field left to fill.
    expect(page.get_by_role("searchbox", name="Product Variant")).to_be_focused()


def test_deleting_a_mapping_asks_first(page, world):
    services = make_carriers()
    add_sku_mapping(world.a.channel, "BS-TEE", world.a.variant)
    add_carrier_mapping(world.a.channel, services["UPS", "GND"], "UPS Ground")
    dialogs = Dialogs(page, accept=False)
    log_in(page, "accountadmin@a.test")
    page.goto(f"/channels/{world.a.channel.id}/mappings/skus")
    htmx_idle(page)
    table = page.locator("#sku-mapping-table")
    table.get_by_role("button", name="Delete").click()
    expect(table).to_contain_text("BS-TEE")
    assert dialogs.seen == [("confirm", "Delete the mapping BS-TEE → TEE-M-NAVY?")]
    dialogs.accept = True
    table.get_by_role("button", name="Delete").click()
    expect(page.locator("#sku-mapping-table")).to_contain_text("No SKU mappings yet.")

    page.get_by_role("link", name="Carrier Mappings").click()
    htmx_idle(page)
    dialogs.accept = False
    table = page.locator("#carrier-mapping-table")
    table.get_by_role("button", name="Delete").click()
    expect(table).to_contain_text("UPS Ground")
    assert dialogs.seen[-1] == ("confirm", "Delete the mapping UPS Ground → UPS GND?")
    dialogs.accept = True
    table.get_by_role("button", name="Delete").click()
    expect(page.locator("#carrier-mapping-table")).to_contain_text("No carrier mappings yet.")


def test_password_after_a_timeout_keeps_what_was_typed(page, world, simulator):
    """A store move needs a login of the last 10 minutes. After that, the password is asked in place: the
    domain and the token typed stay, and the move is saved once the password is confirmed."""
    store = simulator.create_store(products=1, orders=0)
    channel = on_store(world.a.channel, store)
    other = simulator.create_store(products=1, orders=0)
    asked = Dialogs(page).seen
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        log_in(page, "accountadmin@a.test")
        clock.shift(timedelta(minutes=15))
        page.goto(f"/channels/{channel.id}/main")
        htmx_idle(page)
        general = page.locator("#general-section")
        general.get_by_label("Shop Domain").fill(other.subdomain)
        general.get_by_label("Access token for the new store").fill(other.token)
        general.get_by_role("button", name="Save general").click()

        prompt = page.locator("#reauth-panel")
        password = prompt.get_by_label("Password", exact=True)
        expect(password).to_be_focused()
        expect(page).to_have_url(re.compile(rf"/channels/{channel.id}/main$"))  # still on the page
        expect(general.get_by_label("Shop Domain")).to_have_value(other.subdomain)
        password.fill("not my password")
        prompt.get_by_role("button", name="Confirm and save").click()
        expect(prompt).to_contain_text("Password is incorrect.")
        htmx_idle(page)
        prompt.get_by_label("Password", exact=True).fill(PASSWORD)
        prompt.get_by_role("button", name="Confirm and save").click()

        expect(page.locator("#general-section")).to_contain_text(f"Moved to {other.domain}")
        expect(prompt).to_be_empty()
    assert [kind for kind, _ in asked] == ["confirm"]  # the move was confirmed once, not again on resending
    db.session.expire_all()
    moved = db.session.get(SalesChannel, channel.id)
    assert moved.shop_domain == other.domain and token_vault.decrypt(moved.token_ciphertext) == other.token
