"""The fuzzers' session: the org owner (every permission of the policy table) logged in with CSRF on, a live
wizard draft, an API key of the own account, and one check for every request: never a 5xx, and after a 4xx
no table changed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from extensions import db
from models.base import utcnow
from models.tenancy import Role
from services import api_keys, cron_heartbeat
from tests.support.fuzzing import (
    changed_tables,
    csrf_token_from,
    known_values,
    register_profiles,
    table_digest,
)
from tests.support.mfa import pass_code_step
from tests.support.policy import build_url, object_ids
from tests.support.world import PASSWORD, ROLE_EMAILS, World

register_profiles()

GENEROUS = "100000/minute"


@pytest.fixture
def app_config(app_config):
    # CSRF on, as in production; the rate limits high enough that the fuzzed shapes reach the views.
    return {
        **app_config,
        "WTF_CSRF_ENABLED": True,
        "LOGIN_LIMITS_PER_EMAIL": GENEROUS,
        "LOGIN_LIMITS_PER_IP": GENEROUS,
        "STORE_CALL_LIMITS_PER_USER": GENEROUS,
        "STORE_CALL_LIMITS_PER_CHANNEL": GENEROUS,
        "API_RATE_LIMIT": GENEROUS,
        "API_AUTH_FAILURE_LIMIT": GENEROUS,
    }


@dataclass
class Fuzzer:
    client: FlaskClient
    world: World
    csrf: str
    draft_id: str
    api_key: str
    known: list[str]

    def url(self, route) -> str:
        rule = next(r for r in self.client.application.url_map.iter_rules() if r.rule == route.rule)
        return build_url(rule, object_ids(self.world, "own")) if rule.arguments else rule.rule

    def send(self, method: str, url: str, **kwargs):
        """One request; fails on a 5xx, or on a 4xx after which some table is not as it was."""
        db.session.rollback()
        before = table_digest()
        response = self.client.open(url, method=method, **kwargs)
        status = response.status_code
        print(f"FUZZSTAT {method} {url} {status}")  # DEBUG
        assert status < 500, f"{method} {url} -> {status}"
        if 400 <= status < 500:
            changed = changed_tables(before, table_digest())
            assert not changed, f"{method} {url} -> {status}, yet changed {changed}"
        return response


@pytest.fixture
def fuzzer(app, client, world, bs_store) -> Fuzzer:
    # The cron is alive, so /readyz answers 200 (its 503 is a readiness answer, tested in test_health.py).
    cron_heartbeat.beat(app.extensions["redis"], utcnow())
    token = csrf_token_from(client.get("/login").data)
    owner = ROLE_EMAILS[Role.ORG_OWNER]
    response = client.post("/login", data={"email": owner, "password": PASSWORD, "csrf_token": token})
    # Owners need the second factor; the code prompt's form carries its own token.
    token = csrf_token_from(client.get("/login/code").data)
    response = pass_code_step(client, owner, response, csrf_token=token)
    assert response.status_code == 302
    csrf = csrf_token_from(client.get("/overview").data)
    page = client.get("/channels/new/")
    draft = page.data.split(b'name="draft_id" value="')[1].split(b'"')[0].decode()
    response = client.post(
        "/channels/new/type", data={"draft_id": draft, "channel_type": "brightsites", "csrf_token": csrf}
    )
    assert response.status_code == 200
    _row, key = api_keys.create_key(world.a.account, "Fuzz key", None)
    db.session.commit()
    ids = object_ids(world, "own")  # the objects the URLs name exist before the first digest
    store = [
        bs_store.subdomain,
        bs_store.domain,
        bs_store.token,
        bs_store.readonly_token,
        ROLE_EMAILS[Role.ORG_OWNER],
    ]
    return Fuzzer(client, world, csrf, draft, key, known_values(world, ids, store))
