"""Every route that takes a form (POST from app.url_map, the API aside) gets hypothesis-generated bodies: the
forms' field names and random ones, arbitrary unicode (NUL, CR/LF, huge), numbers out of every range, files,
with a valid CSRF token and the org owner's session. Never a 5xx; a refused request changes no table."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.fuzzing import (
    FORM_ROUTES,
    FUZZ,
    form_bodies,
    form_field_kinds,
    plausible_form_bodies,
    uploads,
    view_forms,
)

pytestmark = pytest.mark.fuzz


@pytest.mark.parametrize("route", FORM_ROUTES, ids=lambda r: r.id)
def test_a_form_route_never_fails_and_a_refusal_changes_nothing(app, fuzzer, route):
    kinds = form_field_kinds(view_forms(app, route.endpoint))

    @settings(settings.get_profile(FUZZ))
    @given(
        body=st.one_of(plausible_form_bodies(kinds, fuzzer.known), form_bodies()),
        files=uploads(),
        keep_draft=st.booleans(),
        keep_csrf=st.sampled_from([True, True, True, False]),
        htmx=st.booleans(),
    )
    def example(body, files, keep_draft, keep_csrf, htmx):
        data = dict(body)
        if keep_draft:
            data["draft_id"] = fuzzer.draft_id
        if keep_csrf:
            data["csrf_token"] = fuzzer.csrf
        data.update(files)
        headers = {"HX-Request": "true"} if htmx else {}
        fuzzer.send(route.method, fuzzer.url(route), data=data, headers=headers)

    example()
