"""Creating a channel: the wizard tests the credentials against the (simulated) store before saving."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.channels import AuditEvent, InventoryMode, SalesChannel
from models.tenancy import Role
from tests.support import channel_steps as wizard
from tests.support.world import ROLE_EMAILS

ADMIN = ROLE_EMAILS[Role.ACCOUNT_ADMIN]


def channel_named(name: str) -> SalesChannel | None:
    db.session.expire_all()
    return db.session.scalar(select(SalesChannel).where(SalesChannel.name == name))


def test_account_admin_creates_a_channel(client, world, login, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    response = wizard.connect(
        client, draft, name="Team store", shop_domain=f"https://{bs_store.domain}/admin", token=bs_store.token
    )
    assert b"Connected to <strong>" + bs_store.domain.encode() in response.data
    response = wizard.finish(
        client, draft, statuses=("paid", "shipped"), inventory_mode="absolute", import_since="2026-01-01"
    )
    assert response.status_code == 303
    channel = channel_named("Team store")
    assert channel.shop_domain == bs_store.domain
    assert channel.account_id == world.a.account.id
    assert channel.order_statuses == ["paid", "shipped"]
    assert channel.inventory_mode == InventoryMode.ABSOLUTE
    assert channel.token_can_write is True
    assert channel.token_last4 == bs_store.token[-4:]
    assert channel.timezone == "America/Chicago"  # the account's
    assert (
        db.session.scalar(select(AuditEvent.action).where(AuditEvent.channel_id == channel.id))
        == "channel_created"
    )
    assert client.get(response.headers["Location"]).status_code == 200


def test_htmx_wizard_redirects_with_hx_redirect(client, world, login, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    wizard.connect(client, draft, name="Htmx store", shop_domain=bs_store.subdomain, token=bs_store.token)
    response = client.post(
        "/channels/new/options",
        data={"draft_id": draft, "order_statuses": ["paid"], "inventory_mode": "none"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("/main")


def test_unknown_store_and_bad_token_are_explained(client, world, login, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    response = wizard.connect(client, draft, name="X", shop_domain="nosuchstore", token="a-token-long-enough")
    assert response.status_code == 422 and b"Store not found" in response.data
    response = wizard.connect(
        client, draft, name="X", shop_domain=bs_store.subdomain, token="wrong-token-value"
    )
    assert response.status_code == 422 and b"The access token was refused" in response.data
    assert channel_named("X") is None


def test_read_only_token_warns_but_may_import(client, world, login, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    response = wizard.connect(
        client, draft, name="RO", shop_domain=bs_store.subdomain, token=bs_store.readonly_token
    )
    assert b"Token is read-only" in response.data
    assert wizard.finish(client, draft).status_code == 303
    assert channel_named("RO").token_can_write is False
    page = client.get(f"/channels/{channel_named('RO').id}/main").data
    assert b"Read-only token" in page


def test_test_connection_button_answers_inline(client, world, login, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    response = client.post(
        "/channels/new/test-connection",
        headers={"HX-Request": "true"},
        data={
            "draft_id": draft,
            "name": "T",
            "shop_domain": bs_store.subdomain,
            "access_token": bs_store.token,
        },
    )
    assert response.status_code == 200
    assert b'id="connection-result"' in response.data and b"Connected" in response.data
    assert b"<html" not in response.data and bs_store.token.encode() not in response.data


def test_a_valid_token_is_kept_when_another_field_fails(client, world, login, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    response = wizard.connect(client, draft, name="", shop_domain=bs_store.subdomain, token=bs_store.token)
    assert response.status_code == 422
    assert b"This field is required." in response.data
    assert f"A token ending in {bs_store.token[-4:]} is kept".encode() in response.data
    assert bs_store.token.encode() not in response.data
    response = wizard.connect(client, draft, name="Second try", shop_domain=bs_store.subdomain, token="")
    assert b"3. First options" in response.data


def test_same_store_twice_is_refused_in_any_spelling(client, world, login, bs_store):
    login(ADMIN)
    wizard.create_channel(client, bs_store, name="First", shop_domain=bs_store.domain.upper())
    for spelling in (bs_store.subdomain.upper(), f"https://{bs_store.domain}/", f"  {bs_store.domain}  "):
        draft = wizard.start(client)
        response = wizard.connect(client, draft, name="Second", shop_domain=spelling, token=bs_store.token)
        assert response.status_code == 422
        assert f"{bs_store.domain} is already used by another sales channel.".encode() in response.data


def test_hostile_input_is_refused_and_nothing_is_stored(client, world, login, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    cases = [
        {"name": "x" * 500, "shop_domain": bs_store.subdomain},
        {"name": "Line\nbreak", "shop_domain": bs_store.subdomain},
        {"name": "<script>alert(1)</script>", "shop_domain": "127.0.0.1"},
        {"name": "ok", "shop_domain": "evil.com"},
        {"name": "ok", "shop_domain": "a" * 300},
        {"name": "ok", "shop_domain": "demo.mybrightsites.com.evil.io"},
        {"name": "ok", "shop_domain": "user@demo.mybrightsites.com"},
        {"name": "ok", "shop_domain": "demo.mybrightsites.com:8080"},
    ]
    for case in cases:
        response = wizard.connect(client, draft, token="t" * 600, **case)
        assert response.status_code == 422, case
        assert b"<script>alert(1)</script>" not in response.data
    response = wizard.finish(client, draft, statuses=("bogus",))
    assert response.status_code == 422
    assert db.session.scalar(select(SalesChannel).where(SalesChannel.name == "ok")) is None


def test_expired_draft_starts_over(client, world, login):
    login(ADMIN)
    response = client.post("/channels/new/connection", data={"draft_id": "nope", "name": "x"})
    assert response.status_code == 410 and b"Please start again" in response.data


def test_another_users_draft_is_not_usable(app, client, world, login, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    other = app.test_client()
    login(ROLE_EMAILS[Role.ORG_OWNER], on=other)
    response = wizard.connect(
        other, draft, name="Stolen", shop_domain=bs_store.subdomain, token=bs_store.token
    )
    assert response.status_code == 410


def test_supervisor_and_user_cannot_create(client, world, login):
    for role in (Role.ORG_SUPERVISOR, Role.ACCOUNT_USER):
        login(ROLE_EMAILS[role])
        assert client.get("/channels/new/").status_code == 403
        assert b"New channel" not in client.get("/channels/").data
        client.post("/logout")


def test_database_refuses_a_second_live_channel_for_the_same_store(world):
    """The last line of defence when two requests pass validation at the same moment."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    twin = SalesChannel(account_id=world.a2.id, name="Twin", shop_domain=world.a.channel.shop_domain)
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
