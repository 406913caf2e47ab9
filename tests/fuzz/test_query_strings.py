"""Every GET route of app.url_map (pages, fragments, CSV exports, the API's reads) gets hypothesis-generated
query strings: the names the views read and random ones, with arbitrary values. Never a 5xx; a refused
request changes no table."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.fuzzing import FUZZ, GET_ROUTES, query_strings

pytestmark = pytest.mark.fuzz


@pytest.mark.parametrize("route", GET_ROUTES, ids=lambda r: r.id)
def test_a_page_never_fails_on_any_query_string(fuzzer, route):
    @settings(settings.get_profile(FUZZ))
    @given(query=query_strings(), htmx=st.booleans())
    def example(query, htmx):
        headers = {"HX-Request": "true"} if htmx else {}
        if route.rule.startswith("/api/"):
            headers["Authorization"] = f"Bearer {fuzzer.api_key}"
        fuzzer.send("GET", fuzzer.url(route), query_string=query, headers=headers)

    example()
