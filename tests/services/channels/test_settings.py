"""services.channels.settings called directly, in an app context, against the simulator: audited changes that
the caller commits, the Shop Domain and token re-tested against the store, refusals that change nothing."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from extensions import db
from models.channels import AuditEvent, ChannelStatus, InventoryMode, SalesChannel
from models.tenancy import Role
from services.channels import settings, token_vault


def on_store(channel: SalesChannel, store) -> SalesChannel:
    """The world's channel, connected to a simulator store with its read-write token."""
    channel.shop_domain = store.domain
    token_vault.store(channel, store.token, True)
    db.session.commit()
    return channel


def events(channel: SalesChannel) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.channel_id == channel.id).order_by(AuditEvent.id)
    ).all()


def test_change_settings_audits_each_changed_field_and_leaves_the_commit_to_the_caller(world):
    channel, user = world.a.channel, world.a.users[Role.ACCOUNT_ADMIN]
    outcome = settings.change_settings(
        channel,
        user,
        "main",
        {"status": "inactive", "import_orders_every": 15, "export_shipments_every": 30},  # 30 already
    )
    assert outcome.changed == ("status", "import_orders_every") and outcome.message == "Saved 2 changes."
    assert channel.status == ChannelStatus.INACTIVE
    assert {(e.field, e.new_value) for e in events(channel)} == {
        ("status", "inactive"),
        ("import_orders_every", "15"),
    }
    db.session.rollback()  # nothing was committed: the caller's rollback undoes it all
    assert db.session.get(SalesChannel, channel.id).status == ChannelStatus.ACTIVE and events(channel) == []


def test_change_settings_converts_advanced_values_and_says_when_nothing_changed(world):
    channel, user = world.a.channel, world.a.users[Role.ORG_SUPERVISOR]
    values = {
        "inventory_mode": "absolute",
        "order_number_prefix": "  BS- ",
        "update_order_with_last_shipment": True,
    }
    assert settings.change_settings(channel, user, "advanced", values).message == "Saved 3 changes."
    assert channel.inventory_mode == InventoryMode.ABSOLUTE and channel.order_number_prefix == "BS-"
    again = settings.change_settings(channel, user, "advanced", values)
    assert again.changed == () and again.message == "Nothing to save: no setting changed."


def test_change_settings_takes_only_its_sections_fields(world):
    channel, user = world.a.channel, world.a.users[Role.ORG_OWNER]
    with pytest.raises(ValueError, match="pii_retention_days"):
        settings.change_settings(channel, user, "main", {"pii_retention_days": 5})
    with pytest.raises(ValueError, match="privacy"):  # it has its own permission, so its own function
        settings.change_settings(channel, user, "privacy", {"pii_retention_days": 5})
    assert channel.pii_retention_days is None and events(channel) == []


def test_change_privacy(world):
    channel, user = world.a.channel, world.a.users[Role.ORG_ADMIN]
    assert settings.change_privacy(channel, user, 90).changed == ("pii_retention_days",)
    assert settings.change_privacy(channel, user, None).message == "Saved 1 change."
    assert [(e.old_value, e.new_value) for e in events(channel)] == [
        ("(empty)", "90"),
        ("90", "(empty)"),
    ]


def test_change_general_moves_only_to_a_store_that_accepts_the_token(world, simulator, bs_store):
    channel, user = on_store(world.a.channel, bs_store), world.a.users[Role.ACCOUNT_ADMIN]
    stranger = simulator.create_store(products=1, orders=0)
    refused = settings.change_general(channel, user, "Renamed", stranger.domain)
    assert refused.refused and f"{stranger.domain} did not accept this channel's token" in refused.refusal
    assert channel.shop_domain == bs_store.domain and channel.name != "Renamed" and events(channel) == []

    twin = simulator.create_store(products=1, orders=0, token=bs_store.token)
    moved = settings.change_general(channel, user, "  Renamed ", twin.domain)
    assert not moved.refused and moved.changed == ("name", "shop_domain")
    assert (
        channel.shop_domain == twin.domain and channel.name == "Renamed" and channel.token_can_write is True
    )
    assert simulator.calls(twin)["total"] > 0  # the stored token was really tried on the new store


def test_rename_alone_calls_no_store(world, simulator, bs_store):
    channel = on_store(world.a.channel, bs_store)
    simulator.reset_calls(bs_store)
    outcome = settings.change_general(
        channel, world.a.users[Role.ORG_SUPERVISOR], "New name", bs_store.domain
    )
    assert outcome.changed == ("name",) and simulator.calls(bs_store)["total"] == 0


def test_change_general_with_an_unreadable_token_is_refused_not_raised(app, world, simulator):
    channel = world.a.channel
    twin = simulator.create_store(products=1, orders=0)
    app.config["TOKEN_ENCRYPTION_KEYS"] = [Fernet.generate_key().decode()]
    outcome = settings.change_general(channel, world.a.users[Role.ORG_OWNER], channel.name, twin.domain)
    assert outcome.refused and "cannot be decrypted" in outcome.refusal
    assert "TKN_SENTINEL" not in outcome.refusal and channel.shop_domain == "a1-store.mybrightsites.com"


def test_replace_token_tests_the_new_token_first(world, bs_store):
    channel, user = on_store(world.a.channel, bs_store), world.a.users[Role.ACCOUNT_ADMIN]
    before = channel.token_ciphertext
    refused = settings.replace_token(channel, user, "not-the-right-token")
    assert refused.refused and "refused" in refused.refusal
    assert channel.token_ciphertext == before and events(channel) == []

    accepted = settings.replace_token(channel, user, f" {bs_store.readonly_token} ")
    assert accepted.changed == ("access_token",) and "read-only" in accepted.warning
    assert accepted.message == f"Access token replaced (•••• {bs_store.readonly_token[-4:]})."
    assert bs_store.readonly_token not in accepted.message + accepted.warning
    assert token_vault.decrypt(channel.token_ciphertext) == bs_store.readonly_token
    assert channel.token_can_write is False and channel.token_refused_at is None
    assert [(e.action, e.old_value, e.new_value) for e in events(channel)] == [
        ("token_replaced", f"•••• {bs_store.token[-4:]}", f"•••• {bs_store.readonly_token[-4:]}")
    ]


def test_delete_channel_destroys_the_token_and_stops_schedules(world):
    channel = world.a.channel
    channel.import_orders_every = 15
    settings.delete_channel(channel, world.a.users[Role.ORG_OWNER])
    assert channel.deleted_at is not None and channel.status == ChannelStatus.INACTIVE
    assert (
        channel.token_ciphertext == "" and channel.token_last4 == "" and channel.import_orders_every is None
    )
    assert [e.action for e in events(channel)] == ["channel_deleted"]


def test_change_general_moves_to_a_store_with_its_own_token(world, simulator, bs_store):
    """A store of its own has a token of its own: both change together, tested against the new store."""
    channel, user = on_store(world.a.channel, bs_store), world.a.users[Role.ACCOUNT_ADMIN]
    other = simulator.create_store(products=1, orders=0)
    old_last4 = channel.token_last4

    wrong = settings.change_general(channel, user, channel.name, other.domain, "not-the-right-token")
    assert wrong.refused and f"{other.domain} refused the access token you entered" in wrong.refusal
    assert channel.shop_domain == bs_store.domain and events(channel) == []

    simulator.reset_calls(bs_store)
    moved = settings.change_general(channel, user, channel.name, other.domain, f" {other.readonly_token} ")
    assert moved.changed == ("shop_domain", "access_token")
    assert moved.message == (
        f"Saved 2 changes. Moved to {other.domain} with the token •••• {other.readonly_token[-4:]}."
    )
    assert "read-only" in moved.warning  # it worked, with a limit the page shows as a warning
    assert channel.shop_domain == other.domain and channel.token_can_write is False
    assert token_vault.decrypt(channel.token_ciphertext) == other.readonly_token
    assert simulator.calls(bs_store)["total"] == 0  # the old store was not asked anything
    assert [(e.action, e.field, e.old_value, e.new_value) for e in events(channel)] == [
        ("setting_changed", "shop_domain", bs_store.domain, other.domain),
        ("token_replaced", "access_token", f"•••• {old_last4}", f"•••• {other.readonly_token[-4:]}"),
    ]


def test_change_general_refusal_says_the_new_store_needs_its_token(world, simulator, bs_store):
    channel = on_store(world.a.channel, bs_store)
    stranger = simulator.create_store(products=1, orders=0)
    refused = settings.change_general(channel, world.a.users[Role.ORG_OWNER], channel.name, stranger.domain)
    assert refused.refusal.endswith("Enter the new store's access token to move the channel with it.")
