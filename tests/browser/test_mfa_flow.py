"""Two-factor authentication in a browser: an admin enrols (key read from the page, code from pyotp), logs in
again with a code, then with a recovery code; an owner resets the admin's MFA and the admin enrols again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from extensions import db
from models.mfa import MfaCredential
from models.tenancy import Role
from tests.support.browser import htmx_idle, log_in, log_out
from tests.support.mfa import current_code
from tests.support.world import PASSWORD

pytestmark = pytest.mark.browser
ADMIN = "admin@a.test"


def password_step(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Every script of the page loaded before the test moves on: leaving earlier drops the connection of a
    # script still downloading, and the test server then leaves that file open (a ResourceWarning).
    page.wait_for_load_state("load")


def test_enrol_log_in_with_a_code_and_a_recovery_code_then_an_owner_resets(page, world):
    admin = world.a.users[Role.ORG_ADMIN]
    db.session.execute(MfaCredential.__table__.delete().where(MfaCredential.user_id == admin.id))
    db.session.commit()

    # The admin's role requires MFA: after the password, the enrolment page and nothing else.
    password_step(page, ADMIN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_test_id("mfa-qr").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("mfa-secret").inner_text().strip()
    page.goto("/overview")
    expect(page).to_have_url(re.compile(r"/login"))
    page.wait_for_load_state("load")
    page.goto("/mfa/enrol")
    page.wait_for_load_state("load")
    page.get_by_label("Code from the app").fill(current_code(ADMIN, secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication is on")
    page.wait_for_load_state("load")
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved them — continue").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    page.wait_for_load_state("load")
    log_out(page)

    # Next login: the code from the app.
    password_step(page, ADMIN)
    page.get_by_label("Authentication code").fill(current_code(ADMIN, secret))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    page.wait_for_load_state("load")
    log_out(page)

    # No phone: a recovery code, once.
    password_step(page, ADMIN)
    page.get_by_label("Authentication code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    page.wait_for_load_state("load")
    page.get_by_test_id("whoami").click()
    page.get_by_role("link", name="Two-factor authentication").click()
    expect(page.get_by_text("9 recovery codes left")).to_be_visible()
    htmx_idle(page)
    page.get_by_role("button", name="New recovery codes").click()  # the login is fresh: no password asked
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    assert codes[1] not in page.get_by_test_id("recovery-codes").inner_text()
    log_out(page)

    # An owner resets the admin's MFA from the Users page; the admin enrols again at the next login.
    log_in(page, "owner@a.test")
    page.get_by_role("link", name="Users").click()
    htmx_idle(page)
    page.get_by_role("button", name=f"Reset two-factor authentication of {ADMIN}").click()
    expect(page.get_by_text(f"Two-factor authentication of {ADMIN} was reset")).to_be_visible()
    page.wait_for_load_state("load")
    log_out(page)
    password_step(page, ADMIN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
