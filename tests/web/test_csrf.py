"""CSRF stays on here (CSRF-01/02): every state-changing route refuses a request without the token."""

from __future__ import annotations

import re

import pytest

from models.tenancy import Role
from tests.support.mfa import current_code, pass_code_step
from tests.support.policy import SECRET_URL_ENDPOINTS, build_url, is_api_endpoint, object_ids
from tests.support.world import PASSWORD, ROLE_EMAILS


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def csrf_token_from(html: bytes) -> str:
    match = re.search(rb'name="csrf-token" content="([^"]+)"', html)
    assert match, "page carries no csrf meta tag"
    return match.group(1).decode()


def logged_in(client) -> str:
    token = csrf_token_from(client.get("/login").data)
    response = client.post(
        "/login", data={"email": ROLE_EMAILS[Role.ORG_OWNER], "password": PASSWORD, "csrf_token": token}
    )
    # The owner has MFA: the code prompt's form needs the token too.
    token = csrf_token_from(client.get("/login/code").data)
    response = pass_code_step(client, ROLE_EMAILS[Role.ORG_OWNER], response, csrf_token=token)
    assert response.status_code == 302
    return csrf_token_from(client.get("/overview").data)


def test_the_code_step_needs_the_token(client, world):
    token = csrf_token_from(client.get("/login").data)
    client.post(
        "/login", data={"email": ROLE_EMAILS[Role.ORG_OWNER], "password": PASSWORD, "csrf_token": token}
    )
    response = client.post("/login/code", data={"code": current_code(ROLE_EMAILS[Role.ORG_OWNER])})
    assert response.status_code == 400


def test_login_without_token_is_refused(client, world):
    response = client.post("/login", data={"email": ROLE_EMAILS[Role.ORG_OWNER], "password": PASSWORD})
    assert response.status_code == 400
    assert b"Your form expired" in response.data


def test_every_post_route_needs_the_token(app, client, world):
    logged_in(client)
    ids = object_ids(world, "own")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint in SECRET_URL_ENDPOINTS:
            # The store proves itself by the URL's secret, and no cookie is read there: a forged request
            # without the secret is the same 404 as any wrong one.
            response = client.post(rule.build({"public_id": "unknown", "secret": "wrong"})[1], data={})
            assert response.status_code == 404, rule.rule
            continue
        if "POST" in rule.methods and rule.endpoint != "auth.login":
            response = client.post(build_url(rule, ids), data={})
            if is_api_endpoint(rule):
                # Exempt from CSRF by design: the API takes no cookie, only an API key in a header, so a
                # forged cross-site request has nothing to ride on. The logged-in session is refused there.
                assert response.status_code == 401, rule.rule
                continue
            assert response.status_code == 400, rule.rule
            checked += 1
    assert checked >= 5


def test_htmx_header_token_is_accepted(client, world):
    token = logged_in(client)
    response = client.post(
        "/accounts/switch",
        data={"account_id": world.a2.id, "next": "/overview"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 303


def test_body_sends_the_token_on_every_htmx_request(client, world):
    token = logged_in(client)
    page = client.get("/overview").data.decode()
    assert f'hx-headers=\'{{"X-CSRFToken": "{token}"}}\'' in page
