"""The host-system API (/api/v1) with a valid API key: arbitrary JSON shapes (keys often the OpenAPI
document's property names, so they reach the deep checks), malformed bodies, odd content types and
Idempotency-Keys. Never a 5xx; a refused request changes no table."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.fuzzing import (
    API_ROUTES,
    FUZZ,
    from_schema,
    json_values,
    schema_property_names,
    text_values,
)

pytestmark = pytest.mark.fuzz


def bodies(names: list[str], schema: st.SearchStrategy):
    as_json = st.one_of(schema, schema, json_values(names)).map(
        lambda value: (json.dumps(value), "application/json")
    )
    malformed = st.one_of(
        st.binary(max_size=300).map(lambda raw: (raw, "application/json")),
        text_values().map(lambda text: (text, "application/json")),
        json_values(names).map(lambda value: (json.dumps(value), "text/plain")),
        st.just(("", None)),
        st.just(('{"inventory": [' + '{"sku": "A", "on_hand": 1},' * 20_000 + "{}]}", "application/json")),
    )
    return st.one_of(as_json, as_json, malformed)


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.id)
def test_an_api_route_never_fails_on_any_body(fuzzer, route):
    document = fuzzer.client.get("/api/v1/openapi.json").get_json()
    names = schema_property_names(document)
    assert len(names) > 5, "the OpenAPI document names no properties"
    path = route.rule.removeprefix("/api/v1").replace("<int(max=2147483647):order_id>", "{order_id}")
    operation = document["paths"][path][route.method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]

    @settings(settings.get_profile(FUZZ))
    @given(
        body=bodies(names, from_schema(schema, document, fuzzer.known)),
        idempotency_key=st.one_of(
            st.none(), st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=300)
        ),
    )
    def example(body, idempotency_key):
        data, content_type = body
        headers = {"Authorization": f"Bearer {fuzzer.api_key}"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        fuzzer.send(route.method, fuzzer.url(route), data=data, content_type=content_type, headers=headers)

    example()
