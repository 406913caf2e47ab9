"""CSRF in a real browser (CSRF-01/02): htmx sends the token in the X-CSRFToken header that
`<body hx-headers>` sets, and an htmx request without it is refused with a clear message on the page, never
a 500."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from extensions import db
from models.catalog import Warehouse
from tests.support.browser import htmx_idle, log_in

pytestmark = pytest.mark.browser

CREATE = "**/warehouses/new"


def drop_the_form_token(page) -> None:
    """The form's hidden csrf_token field would carry the token too: without it only the header can."""
    page.locator("#new-warehouse input[name=csrf_token]").evaluate("input => input.remove()")


def warehouse_codes() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Warehouse.code)))


@pytest.mark.expected_statuses(400)  # the post without the CSRF header is refused on purpose
def test_htmx_post_is_accepted_with_the_header_and_refused_without_it(page, world):
    log_in(page, "owner@a.test")
    page.goto("/warehouses/")
    htmx_idle(page)

    drop_the_form_token(page)
    page.get_by_label("Code").fill("WH-EAST")
    page.get_by_label("Name").fill("East DC")
    with page.expect_request(CREATE) as sent:
        page.get_by_role("button", name="Create warehouse").click()
    assert sent.value.headers.get("hx-request") == "true" and sent.value.headers.get("x-csrftoken")
    expect(page.get_by_text("Warehouse WH-EAST created.")).to_be_visible()
    assert "WH-EAST" in warehouse_codes()

    htmx_idle(page)
    page.evaluate("() => document.body.removeAttribute('hx-headers')")
    drop_the_form_token(page)
    page.get_by_label("Code").fill("WH-WEST")
    page.get_by_label("Name").fill("West DC")
    with page.expect_response(CREATE) as answered:
        page.get_by_role("button", name="Create warehouse").click()
    assert "x-csrftoken" not in answered.value.request.headers
    assert answered.value.status == 400

    error = page.locator("#request-error").get_by_role("alert")
    expect(error).to_contain_text("Your form expired or was sent from elsewhere.")
    expect(error).to_have_attribute("data-status", "400")
    # Still the same page, with what was typed: the refusal came back to htmx, not as a page load.
    expect(page.get_by_label("Code")).to_have_value("WH-WEST")
    assert "WH-WEST" not in warehouse_codes()
