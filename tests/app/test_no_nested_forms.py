"""No page nests a <form> inside another: the browser ends the outer form at the inner one, so the outer
form's button then posts the wrong fields (the carrier "Add mapping" after a full page load). Every GET page
of the app, for every role, full page and htmx fragment, is parsed for it."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from models.tenancy import Role
from tests.support.policy import build_url, checked_rules, object_ids
from tests.support.world import ROLE_EMAILS


class NestedForms(HTMLParser):
    """Collects each <form> opened while another is still open (by id or action)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.nested: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag != "form":
            return
        attributes = dict(attrs)
        name = attributes.get("id") or attributes.get("action") or "(a form)"
        if self.open:
            self.nested.append(f"{name} inside {self.open[-1]}")
        self.open.append(name)

    def handle_endtag(self, tag):
        if tag == "form" and self.open:
            self.open.pop()


def nested_forms(html: str) -> list[str]:
    parser = NestedForms()
    parser.feed(html)
    parser.close()
    return parser.nested


def test_the_parser_finds_a_nested_form():
    html = '<form id="outer"><input name="a"><form action="/inner"></form><button></button></form>'
    assert nested_forms(html) == ["/inner inside outer"]
    assert nested_forms('<form id="a"></form><form id="b"></form>') == []


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_no_page_nests_a_form(client, world, login, role):
    login(ROLE_EMAILS[role])
    ids = object_ids(world, "own")
    found, pages = [], 0
    for rule, method in checked_rules(client.application):
        if method != "GET":
            continue
        url = build_url(rule, ids)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            html = response.text  # read in full: a streamed CSV download ends its context here
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            pages += 1
            found += [f"{url}{' (htmx)' if headers else ''}: {n}" for n in nested_forms(html)]
    assert pages > 20  # the walk really reached the app's pages
    assert not found, "\n".join(found)
