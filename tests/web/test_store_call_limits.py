"""Billed calls people can start are limited: every route that calls a store, per user and per channel."""

from __future__ import annotations

import pytest
from limits import parse_many

from extensions import db, limiter
from models.channels import SalesChannel
from models.tenancy import Role
from services.channels import token_vault
from tests.support.policy import build_url, object_ids
from tests.support.store_calls import CallGraph
from tests.support.world import ROLE_EMAILS

OWNER, ADMIN = ROLE_EMAILS[Role.ORG_OWNER], ROLE_EMAILS[Role.ORG_ADMIN]
MESSAGE = b"The store bills every call"
# What the issue found unlimited, plus the Test connection button that already was: the finder must see them.
KNOWN = {
    "channel_wizard.test_connection",
    "channel_wizard.connection",
    "channels.replace_token",
    "channels.save_general",
    "mappings.refresh",
    "mappings.auto_map",
}


def allowed_per_minute(limits: str) -> int:
    return min(item.amount for item in parse_many(limits))


@pytest.fixture
def store_calling_rules(app):
    graph = CallGraph()
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and graph.reaches_store(app.view_functions[rule.endpoint])
    ]


def test_every_route_that_calls_a_store_is_limited(app, client, world, login, store_calling_rules):
    assert {rule.endpoint for rule in store_calling_rules} >= KNOWN
    allowed = allowed_per_minute(app.config["STORE_CALL_LIMITS_PER_USER"])
    login(OWNER)
    ids = object_ids(world, "own")
    for rule in store_calling_rules:
        assert getattr(app.view_functions[rule.endpoint], "limits_store_calls", False), rule.endpoint
        method = "POST" if "POST" in rule.methods else "GET"
        url = build_url(rule, ids)
        limiter.reset()
        statuses = [client.open(url, method=method).status_code for _ in range(allowed)]
        assert 429 not in statuses and not any(status >= 500 for status in statuses), (
            rule.endpoint,
            statuses,
        )
        refused = client.open(url, method=method)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1, rule.endpoint
        assert MESSAGE in refused.data and b"<html" in refused.data
        fragment = client.open(url, method=method, headers={"HX-Request": "true"})
        assert fragment.status_code == 429 and MESSAGE in fragment.data and b"<html" not in fragment.data
        # htmx shows it on top of the page, whatever the button targeted.
        assert fragment.headers["HX-Retarget"] == "main" and fragment.headers["HX-Reswap"] == "afterbegin"


def test_the_budget_is_per_user_and_per_channel(app, world, login):
    second = SalesChannel(
        account=world.a.account,
        name="Second store",
        shop_domain="second-store.mybrightsites.com",
        token_ciphertext=token_vault.encrypt("TKN_SECOND_store_1234"),
        token_last4="1234",
    )
    db.session.add(second)
    db.session.commit()
    first, second_id = world.a.channel.id, second.id
    owner, admin = login(OWNER, on=app.test_client()), login(ADMIN, on=app.test_client())

    def refresh(client, channel_id: int) -> int:
        return client.post(
            f"/channels/{channel_id}/mappings/refresh", data={"kind": "shipping_methods"}
        ).status_code

    allowed = allowed_per_minute(app.config["STORE_CALL_LIMITS_PER_CHANNEL"])
    assert [refresh(owner, first) for _ in range(allowed)] == [303] * allowed
    assert refresh(admin, first) == 429  # the channel's budget is spent, whoever asks
    assert refresh(admin, second_id) == 303  # another channel has its own
    assert refresh(owner, second_id) == 429  # and the owner's own budget is spent on any channel


def test_the_wizard_counts_against_the_users_budget(app, client, world, login, bs_store):
    app.config["STORE_CALL_LIMITS_PER_USER"] = "2/minute"
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    draft = client.get("/channels/new/")  # starting the wizard calls no store
    assert draft.status_code == 200
    fields = {"name": "Limited", "shop_domain": bs_store.subdomain, "access_token": bs_store.token}
    assert client.post("/channels/new/test-connection", data=fields).status_code != 429
    assert client.post("/channels/new/connection", data=fields).status_code != 429
    refused = client.post("/channels/new/test-connection", data=fields)
    assert refused.status_code == 429 and MESSAGE in refused.data
