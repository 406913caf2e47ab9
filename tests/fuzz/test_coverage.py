"""The fuzzers are not vacuous: they cover every route of the live app that takes a body or a query
string, and the app has such routes."""

from __future__ import annotations

import pytest

from permissions import API_KEY_ENDPOINTS
from tests.support.fuzzing import API_ROUTES, COLLECTED_ROUTES, FORM_ROUTES, GET_ROUTES, routes

pytestmark = pytest.mark.fuzz


def test_the_fuzzers_cover_every_route_of_the_running_app(app):
    live = routes(app)
    assert live == COLLECTED_ROUTES
    fuzzed = {(r.rule, r.method) for r in [*FORM_ROUTES, *GET_ROUTES, *API_ROUTES]}
    assert fuzzed == {(r.rule, r.method) for r in live}


def test_there_are_routes_to_fuzz(app):
    assert len(FORM_ROUTES) >= 40
    assert len(GET_ROUTES) >= 25
    api_endpoints = {r.endpoint for r in [*API_ROUTES, *GET_ROUTES] if r.rule.startswith("/api/")}
    assert api_endpoints >= API_KEY_ENDPOINTS
    blueprints = {r.endpoint.split(".")[0] for r in FORM_ROUTES}
    assert {"channels", "channel_wizard", "mappings", "products", "users", "sync", "api_keys"} <= blueprints
