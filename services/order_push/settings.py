"""A channel's order push settings: turn on (a new secret, returned once), rotate the secret, turn off,
the API version the store admin is told to choose. Every change is audited, never with the secret. Functions
change the session and never commit.

The secret is 256 random bits, so a fast SHA-256 hash is enough to store (there is nothing to guess), and
the public id (128 random bits) finds the row without comparing hashes."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from extensions import db
from models.base import utcnow
from models.channels import SalesChannel
from models.order_push import OrderPushSetting
from models.tenancy import User
from services import audit

API_VERSIONS = ("v2.7.0",)  # what connectors/brightsites/translate.py reads: the client's version


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def setting_of(channel: SalesChannel) -> OrderPushSetting | None:
    return db.session.scalar(select(OrderPushSetting).where(OrderPushSetting.channel_id == channel.id))


def is_on(channel: SalesChannel) -> bool:
    setting = setting_of(channel)
    return bool(setting and setting.enabled)


def turn_on(
    channel: SalesChannel, user: User | None, api_version: str = API_VERSIONS[0]
) -> tuple[OrderPushSetting, str | None]:
    """On, with the secret kept if there is one (None returned) or a new one (returned, shown once)."""
    setting = setting_of(channel)
    secret = None
    if setting is None:
        secret = new_secret()
        setting = OrderPushSetting(
            channel_id=channel.id,
            public_id=secrets.token_urlsafe(16),
            secret_hash=secret_hash(secret),
            api_version=api_version,
        )
        db.session.add(setting)
    if not setting.enabled:
        setting.enabled = True
        audit.record(channel, user, "setting_changed", "order_push", False, True)
    if setting.api_version != api_version:
        audit.record(
            channel, user, "setting_changed", "order_push_api_version", setting.api_version, api_version
        )
        setting.api_version = api_version
    return setting, secret


def rotate_secret(setting: OrderPushSetting, user: User | None) -> str:
    """A new secret: the old URL stops working at once (the store admin must paste the new one)."""
    secret = new_secret()
    setting.secret_hash = secret_hash(secret)
    setting.secret_created_at = utcnow()
    audit.record(setting.channel, user, "order_push_secret_rotated")
    return secret


def turn_off(setting: OrderPushSetting, user: User | None) -> None:
    """Off: pushes are refused (404), scheduled imports list and fetch as before."""
    if setting.enabled:
        setting.enabled = False
        audit.record(setting.channel, user, "setting_changed", "order_push", True, False)
