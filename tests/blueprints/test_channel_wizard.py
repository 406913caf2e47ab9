"""Creating a channel: the wizard tests the credentials against the (simulated) store before saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
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


# --- what a draft keeps, and creating the channel validates again (issue 10, item 4) ----------------------


def _draft(world, draft_id: str):
    from services.channels import wizard_drafts

    return wizard_drafts.load(world.a.users[Role.ACCOUNT_ADMIN].id, world.a.account.id, draft_id)


def test_a_refused_second_submit_leaves_nothing_to_create_from(client, world, login, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    good = wizard.connect(client, draft, name="Good", shop_domain=bs_store.subdomain, token=bs_store.token)
    assert b"3. First options" in good.data
    bad_name = "\x07Bell\r\n" + "x" * 526  # 534 characters with control characters
    duplicate = world.a.channel.shop_domain.upper() + "."
    response = wizard.connect(client, draft, name=bad_name, shop_domain=duplicate, token="")
    assert response.status_code == 422
    kept = _draft(world, draft)
    assert (kept.name, kept.shop_domain, kept.connection_ok) == ("Good", bs_store.domain, False)
    response = wizard.finish(client, draft)
    assert response.status_code == 422 and b"2. Connection" in response.data
    assert db.session.scalar(select(SalesChannel).where(SalesChannel.name.like("%xxxx%"))) is None
    assert channel_named("Good") is None


def test_creating_the_channel_validates_the_draft_again(client, world, login, bs_store):
    from services.channels import wizard_drafts

    login(ADMIN)
    taken = world.a.channel.shop_domain
    for name, shop_domain, problem in (
        ("Line\nbreak", bs_store.domain, b"Remove control characters"),
        ("x" * 534, bs_store.domain, b"Field cannot be longer than 120 characters."),
        ("Twin", taken.upper(), f"{taken} is already used by another sales channel.".encode()),
        ("Dot", taken.upper() + ".", b"must not end with a dot"),
    ):
        draft = wizard.start(client)
        wizard.connect(client, draft, name="Fine", shop_domain=bs_store.subdomain, token=bs_store.token)
        stored = _draft(world, draft)
        stored.name, stored.shop_domain = name, shop_domain  # what an older draft, or a race, may hold
        wizard_drafts.save(stored)
        response = wizard.finish(client, draft)
        assert response.status_code == 422, name
        assert problem in response.data, name
        assert not _draft(world, draft).connection_ok
    db.session.expire_all()
    assert db.session.query(SalesChannel).count() == 2  # the world's two channels only


# --- tokens are printable ASCII (item 11) ------------------------------------------------------------------

NOT_ASCII = "Bright’Sites-token-1234"  # a typographic apostrophe, as a word processor pastes it


def test_a_token_with_other_characters_is_refused_plainly_and_not_kept(client, world, login, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    fields = {
        "draft_id": draft,
        "name": "Curly",
        "shop_domain": bs_store.subdomain,
        "access_token": NOT_ASCII,
    }
    tested = client.post("/channels/new/test-connection", data=fields, headers={"HX-Request": "true"})
    assert tested.status_code == 200 and b"plain letters, digits and symbols" in tested.data
    for _ in range(2):  # every later attempt too
        response = wizard.connect(
            client, draft, name="Curly", shop_domain=bs_store.subdomain, token=NOT_ASCII
        )
        assert response.status_code == 422 and b"plain letters, digits and symbols" in response.data
    response = wizard.connect(client, draft, name="Curly", shop_domain=bs_store.subdomain, token="")
    assert response.status_code == 422 and b"Enter the store&#39;s API access token." in response.data
    response = wizard.connect(
        client, draft, name="Curly", shop_domain=bs_store.subdomain, token=bs_store.token
    )
    assert b"3. First options" in response.data


# --- a test that passed moments ago is not paid for twice (item 15) ----------------------------------------


def _test_then_next(client, draft, store, *, token, next_token=None):
    fields = {"draft_id": draft, "name": "Billed", "shop_domain": store.subdomain, "access_token": token}
    tested = client.post("/channels/new/test-connection", data=fields, headers={"HX-Request": "true"})
    assert b"Connected" in tested.data or b"read-only" in tested.data
    return wizard.connect(
        client,
        draft,
        name="Billed",
        shop_domain=store.domain,
        token=token if next_token is None else next_token,
    )


def test_creating_a_channel_after_a_passed_test_costs_two_calls(client, world, login, simulator, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    simulator.reset_calls(bs_store)
    response = _test_then_next(client, draft, bs_store, token=bs_store.token, next_token="")
    assert b"3. First options" in response.data
    assert wizard.finish(client, draft).status_code == 303
    assert simulator.calls(bs_store)["total"] == 2  # the read and the write probe, once
    assert channel_named("Billed").token_can_write is True


def test_another_token_or_an_old_test_is_tested_again(client, world, login, simulator, bs_store):
    login(ADMIN)
    draft = wizard.start(client)
    simulator.reset_calls(bs_store)
    response = _test_then_next(
        client, draft, bs_store, token=bs_store.token, next_token=bs_store.readonly_token
    )
    assert b"Token is read-only" in response.data
    assert simulator.calls(bs_store)["total"] == 4
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6)):
        login(ADMIN)  # the session is older than the travel, and the draft lives on in Redis
        response = wizard.connect(client, draft, name="Billed", shop_domain=bs_store.domain, token="")
    assert b"3. First options" in response.data
    assert simulator.calls(bs_store)["total"] == 6
