"""Access tokens: encrypted at rest; never in a page, fragment, log or audit row; keys rotate (SEC-01..07)."""

from __future__ import annotations

import logging

from cryptography.fernet import Fernet
from sqlalchemy import select, text

from extensions import db
from models.channels import AuditEvent, SalesChannel
from models.tenancy import Role
from services.channels import token_vault
from tests.support import channel_steps as wizard
from tests.support.world import ROLE_EMAILS


def test_token_is_stored_encrypted(client, world, login, bs_store):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    channel_id = wizard.create_channel(client, bs_store)
    raw = db.session.execute(
        text("SELECT token_ciphertext FROM sales_channel WHERE id = :id"), {"id": channel_id}
    ).scalar_one()
    assert raw != bs_store.token and bs_store.token not in raw
    assert raw.startswith("gAAAAA")
    assert token_vault.decrypt(raw) == bs_store.token


def test_token_never_leaves_the_server(client, world, login, bs_store, caplog):
    caplog.set_level(logging.DEBUG)
    login(ROLE_EMAILS[Role.ORG_OWNER])
    channel_id = wizard.create_channel(client, bs_store, name="Leak check")
    client.post(f"/channels/{channel_id}/token", data={"access_token": bs_store.token})
    client.post(f"/channels/{channel_id}/token", data={"access_token": "bogus-token-123"})
    token = bs_store.token.encode()
    pages = [
        "/channels/",
        f"/channels/{channel_id}/main",
        f"/channels/{channel_id}/advanced",
        f"/channels/{channel_id}/history",
    ]
    for path in pages:
        for headers in ({}, {"HX-Request": "true"}):
            body = client.get(path, headers=headers).data
            assert token not in body, path
            assert bs_store.token[-8:].encode() not in body, path  # not even a longer tail than the last 4
    assert bs_store.token not in caplog.text
    for event in db.session.scalars(select(AuditEvent)):
        assert bs_store.token not in f"{event.old_value}{event.new_value}"


def test_world_sentinel_tokens_never_render(client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    for view in ("main", "advanced", "history"):
        assert b"TKN_SENTINEL" not in client.get(f"/channels/{world.a.channel.id}/{view}").data


def test_key_rotation(app, world):
    old_key, new_key = app.config["TOKEN_ENCRYPTION_KEYS"][0], Fernet.generate_key().decode()
    channel = world.a.channel
    app.config["TOKEN_ENCRYPTION_KEYS"] = [new_key, old_key]
    assert token_vault.reencrypt_all() == (2, [])
    db.session.commit()
    app.config["TOKEN_ENCRYPTION_KEYS"] = [new_key]
    db.session.expire_all()
    assert token_vault.decrypt(db.session.get(SalesChannel, channel.id).token_ciphertext).startswith(
        "TKN_SENTINEL"
    )


def test_unreadable_token_is_reported_not_leaked(app, world):
    app.config["TOKEN_ENCRYPTION_KEYS"] = [Fernet.generate_key().decode()]
    done, unreadable = token_vault.reencrypt_all()
    assert done == 0 and sorted(unreadable) == sorted([world.a.channel.id, world.b.channel.id])
    try:
        token_vault.decrypt(world.a.channel.token_ciphertext)
    except token_vault.TokenUnreadable as error:
        assert "TKN_SENTINEL" not in str(error)


def test_a_replacement_token_with_other_characters_is_refused_plainly(
    client, world, login, simulator, bs_store
):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    channel = world.a.channel
    before = channel.token_ciphertext
    simulator.reset_calls(bs_store)
    for token in ("Bright’Sites-token-1234", "tokén-with-accent", "two words token"):
        response = client.post(f"/channels/{channel.id}/token", data={"access_token": token})
        assert response.status_code == 422, token
        assert b"plain letters, digits and symbols" in response.data
    db.session.expire_all()
    assert db.session.get(SalesChannel, channel.id).token_ciphertext == before
    assert simulator.calls(bs_store)["total"] == 0  # refused before any call to a store
