"""What is shown once can be copied (a new API key, the recovery codes) and the recovery codes downloaded as a
text file (app.js: data-copy, data-download; no inline script)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from extensions import db
from models.mfa import MfaCredential
from models.tenancy import Role
from tests.support.browser import htmx_idle, log_in
from tests.support.mfa import current_code
from tests.support.world import PASSWORD

pytestmark = pytest.mark.browser
ADMIN = "admin@a.test"


def password_step(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")


def test_a_new_api_key_is_copied(page, world):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, "accountadmin@a.test")
    page.goto("/api-keys/")
    htmx_idle(page)
    page.get_by_label("Name").fill("Copy WMS")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_test_id("new-key-value")
    expect(key).to_be_visible()
    page.locator("#new-key").get_by_role("button", name="Copy").click()
    expect(page.locator("#new-key").get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key.input_value()


def test_the_recovery_codes_are_copied_and_downloaded(page, world):
    admin = world.a.users[Role.ORG_ADMIN]
    db.session.execute(MfaCredential.__table__.delete().where(MfaCredential.user_id == admin.id))
    db.session.commit()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    password_step(page, ADMIN)
    secret = page.get_by_test_id("mfa-secret").inner_text().strip()
    page.get_by_label("Code from the app").fill(current_code(ADMIN, secret))
    page.get_by_role("button", name="Turn on").click()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    listed = "\n".join(code.strip() for code in codes.all_inner_texts())

    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == listed
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename == "techoms-recovery-codes.txt"
    assert Path(download.value.path()).read_text() == listed + "\n"
