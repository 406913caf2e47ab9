"""Every route × every role × own / other tenant, generated from the policy table (ACC-01..03)."""

from __future__ import annotations

import pytest

from models.tenancy import Role
from permissions import API_KEY_ENDPOINTS, LOGIN_ONLY_ENDPOINTS, PUBLIC_ENDPOINTS, allows
from tests.support.policy import build_url, checked_rules, is_api_endpoint, object_ids
from tests.support.world import ROLE_EMAILS

# 410: an allowed wizard step posted without its draft (the form expired) — allowed, just nothing to do.
# 286: a finished run's progress card telling htmx to stop polling.
ALLOWED = {200, 204, 286, 302, 303, 410, 422}


def test_every_endpoint_declares_a_permission(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "required_permission", None)
        if rule.endpoint in API_KEY_ENDPOINTS:
            assert getattr(view, "authenticates_by_api_key", False), rule.endpoint
            continue
        assert declared or rule.endpoint in PUBLIC_ENDPOINTS | LOGIN_ONLY_ENDPOINTS, rule.endpoint


def test_anonymous_requests_go_to_login(app, client, world):
    ids = object_ids(world, "own")
    for rule, method in checked_rules(app):
        response = client.open(build_url(rule, ids), method=method)
        if is_api_endpoint(rule):  # no login page for machines: 401 with JSON
            assert response.status_code == 401 and response.is_json, (method, rule.rule)
            continue
        assert response.status_code == 302, (method, rule.rule, response.status_code)
        assert "/login" in response.headers["Location"], (method, rule.rule)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_matrix(app, client, world, login, role):
    login(ROLE_EMAILS[role])
    mismatches = []
    for rule, method in checked_rules(app):
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "required_permission", None)
        for tenant in ("own", "other"):
            if tenant == "other" and not rule.arguments:
                continue
            response = client.open(build_url(rule, object_ids(world, tenant)), method=method)
            status = response.status_code
            if is_api_endpoint(rule):  # the session is never accepted there, whatever the role
                expected = {401}
            elif permission is None:  # login-only endpoints: any role may use them
                expected = ALLOWED
            elif not allows(role, permission):
                expected = {403}
            elif tenant == "other":
                expected = {404}
            else:
                expected = ALLOWED
            if status not in expected:
                mismatches.append(f"{method} {rule.rule} [{tenant}] -> {status}, expected {sorted(expected)}")
    assert not mismatches, "\n".join(mismatches)


def test_other_tenant_objects_are_404_even_for_htmx(app, client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    ids = object_ids(world, "other")
    for rule, method in checked_rules(app):
        if rule.arguments and not is_api_endpoint(rule):  # API: 401 before any lookup (tests/blueprints/api/)
            response = client.open(build_url(rule, ids), method=method, headers={"HX-Request": "true"})
            assert response.status_code == 404, (method, rule.rule)
            assert b"<html" not in response.data


def test_role_change_applies_on_the_next_request(app, client, world, login):
    from extensions import db

    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    assert client.get("/users/").status_code == 200
    world.memberships[Role.ACCOUNT_ADMIN].role = Role.ACCOUNT_USER
    db.session.commit()
    assert client.get("/users/").status_code == 403
