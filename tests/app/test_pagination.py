"""The one `pagination` macro under every paged list (orders, products, SKU mappings): the same controls on
each, page links that keep the list's filters, and each list's own htmx behaviour."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask_sqlalchemy.pagination import Pagination

from extensions import db
from models.catalog import Product, ProductVariant
from models.orders import OrderStatus
from models.tenancy import Role
from services.mappings import sku_lists
from services.orders import queries as order_queries
from tests.support.mappings import add_sku_mapping
from tests.support.orders import T0, make_order
from tests.support.world import ROLE_EMAILS

SUPERVISOR = ROLE_EMAILS[Role.ORG_SUPERVISOR]
HX = {"HX-Request": "true"}
SKU_RESULTS = {**HX, "HX-Target": "sku-results"}


class _PageControls(HTMLParser):
    """The items of the `<nav aria-label="Pages">`: (label, li classes, the link's attributes or None)."""

    def __init__(self):
        super().__init__()
        self.navs = 0
        self.inside = False
        self.items: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("aria-label") == "Pages":
            self.navs += 1
            self.inside = True
        elif self.inside and tag == "li":
            self.items.append({"classes": attrs.get("class", "").split(), "link": None, "label": ""})
        elif self.inside and tag == "a":
            self.items[-1]["link"] = attrs

    def handle_endtag(self, tag):
        if tag == "nav":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.items:
            self.items[-1]["label"] += data.strip()


def page_controls(response) -> list[dict]:
    assert response.status_code == 200
    parser = _PageControls()
    parser.feed(response.get_data(as_text=True))
    assert parser.navs == 1, "one page navigation under the list"
    return parser.items


def assert_same_controls(items: list[dict], page: int, pages: int) -> tuple[dict, dict]:
    """Previous / Page n of m / Next, disabled at the ends; gives the Previous and Next links."""
    previous, current, following = items
    assert [item["label"] for item in items] == ["Previous", f"Page {page} of {pages}", "Next"]
    assert all("page-item" in item["classes"] for item in items)
    assert "disabled" in current["classes"] and current["link"] is None
    assert ("disabled" in previous["classes"]) == (page == 1)
    assert ("disabled" in following["classes"]) == (page == pages)
    assert previous["link"]["class"] == following["link"]["class"] == "page-link"
    return previous["link"], following["link"]


def query(link: dict) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link["href"]).query, keep_blank_values=True)


# --- orders -------------------------------------------------------------------------------------------------


def test_orders_page_links_keep_the_filters(client, world, login):
    channel = world.a.channel
    for n in range(60):
        make_order(channel, f"P-{n:03d}", created=T0 - timedelta(minutes=n), lines=[])
    make_order(channel, "P-DRAFT", status=OrderStatus.DRAFT, lines=[])
    login(SUPERVISOR)
    filters = f"channel={channel.id}&status=approved&q=p-&date_from=2024-01-01"
    previous, following = assert_same_controls(page_controls(client.get(f"/orders/?{filters}")), 1, 2)
    assert query(following) == {
        "channel": [str(channel.id)],
        "status": ["approved"],
        "q": ["p-"],
        "date_from": ["2024-01-01"],
        "page": ["2"],
    }
    assert query(previous)["page"] == ["1"] and query(previous)["status"] == ["approved"]
    # Plain links, as before: the list's htmx is its filter form.
    assert "hx-get" not in following

    second = client.get(following["href"])
    assert_same_controls(page_controls(second), 2, 2)
    assert b"P-059" in second.data and b"P-DRAFT" not in second.data


# --- products -----------------------------------------------------------------------------------------------


def add_products(account, count: int, prefix: str) -> None:
    for n in range(count):
        product = Product(account=account, name=f"{prefix} {n:03d}")
        variant = ProductVariant(account=account, title="")
        variant.set_sku(f"{prefix}-{n:03d}")
        product.variants.append(variant)
        db.session.add(product)
    db.session.commit()


def test_products_page_links_keep_the_search(client, world, login):
    add_products(world.a.account, 55, "Bulk")
    add_products(world.a.account, 3, "Other")
    login(SUPERVISOR)
    previous, following = assert_same_controls(page_controls(client.get("/products/?q=bulk")), 1, 2)
    assert query(following) == {"q": ["bulk"], "page": ["2"]}
    assert "hx-get" not in following

    second = client.get(following["href"], headers=HX)  # a plain link, or a history restore of it
    _previous, last = assert_same_controls(page_controls(second), 2, 2)
    assert b"Bulk 054" in second.data and b"Other" not in second.data
    assert query(last) == {"q": ["bulk"], "page": ["2"]}


# --- SKU mappings -------------------------------------------------------------------------------------------


def test_sku_mapping_page_links_keep_the_search_and_swap_the_results(client, world, login):
    channel = world.a.channel
    for n in range(52):
        add_sku_mapping(channel, f"CH-{n:03d}", world.a.variant)
    add_sku_mapping(channel, "OTHER-1", world.a.variant)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    base = f"/channels/{channel.id}/mappings/skus"
    # The new_sku of a "Map…" link fills the add form; it is not a filter, and pages do not carry it.
    page = client.get(f"{base}?q=ch-&new_sku=NEW-1")
    previous, following = assert_same_controls(page_controls(page), 1, 2)
    assert urlsplit(following["href"]).path == base
    assert query(following) == {"q": ["ch-"], "page": ["2"]}
    for link in (previous, following):
        assert link["hx-get"] == link["href"]
        htmx = (link["hx-target"], link["hx-swap"], link["hx-push-url"])
        assert htmx == ("#sku-results", "outerHTML", "true")

    second = client.get(following["hx-get"], headers=SKU_RESULTS)
    assert second.get_data(as_text=True).lstrip().startswith('<div id="sku-results">')
    assert b"CH-051" in second.data and b"OTHER-1" not in second.data
    previous, _following = assert_same_controls(page_controls(second), 2, 2)
    assert query(previous) == {"q": ["ch-"], "page": ["1"]}


def test_a_list_that_fits_one_page_has_no_page_controls(client, world, login):
    add_sku_mapping(world.a.channel, "CH-1", world.a.variant)
    login(SUPERVISOR)
    for url in ("/orders/", "/products/", f"/channels/{world.a.channel.id}/mappings/skus"):
        response = client.get(url)
        assert response.status_code == 200 and b'aria-label="Pages"' not in response.data, url


@pytest.mark.parametrize(
    "extra", ["endpoint=x", "_anchor=top", "_external=1&_scheme=javascript", "_method=POST"]
)
def test_query_keys_meant_for_url_for_are_not_obeyed(client, world, login, extra):
    """The links are built from the query string; keys url_for reads as its own options must not be obeyed
    (endpoint=x was a 500; _anchor, _external and _scheme changed where the links pointed)."""
    add_products(world.a.account, 55, "Bulk")
    login(SUPERVISOR)
    _previous, following = assert_same_controls(page_controls(client.get(f"/products/?q=bulk&{extra}")), 1, 2)
    assert following["href"].startswith("/products/?") and "#" not in following["href"]
    assert query(following) == {"q": ["bulk"], "page": ["2"]}


def test_every_list_gives_the_macro_one_page_shape(world):
    orders = order_queries.order_page(
        world.a.account, order_queries.OrderFilters(), ZoneInfo("UTC"), 1, 50, count_cap=10_000
    )
    assert isinstance(orders, Pagination)
    add_sku_mapping(world.a.channel, "CH-1", world.a.variant)
    page = sku_lists.mapping_page(world.a.channel, "", 1)
    assert isinstance(page, Pagination)
    assert (page.page, page.pages, page.has_prev, page.has_next, page.prev_num, page.next_num) == (
        1,
        1,
        False,
        False,
        None,
        None,
    )
    past_the_end = sku_lists.mapping_page(world.a.channel, "", 7)
    assert past_the_end.items == [] and past_the_end.page == 7 and past_the_end.total == 1
