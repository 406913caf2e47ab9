"""Access tokens at rest: Fernet (AES-CBC + HMAC) under MultiFernet, so keys rotate: the first key in
TOKEN_ENCRYPTION_KEYS encrypts, every listed key decrypts (SEC-01..03). Plaintext leaves this module only
for the Bright Sites client at call time."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import select

from extensions import db
from models.base import utcnow
from models.channels import SalesChannel


class TokenUnreadable(Exception):
    """The stored token cannot be decrypted with the configured keys (a key was removed too early)."""

    def __str__(self) -> str:
        return "The stored access token cannot be decrypted with the configured keys; replace the token."


def _fernet() -> MultiFernet:
    keys = current_app.config["TOKEN_ENCRYPTION_KEYS"]
    if not keys:
        raise RuntimeError("TOKEN_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise TokenUnreadable() from None


def store(channel: SalesChannel, token: str, can_write: bool | None) -> None:
    """Give the channel a new token: kept encrypted, its last four shown, its write access as the store
    reported it; a pause for a refused token ends with it."""
    channel.token_ciphertext = encrypt(token)
    channel.token_last4 = token[-4:]
    channel.token_can_write = can_write
    channel.token_updated_at = utcnow()
    channel.token_refused_at = None


def reencrypt(ciphertext: str) -> str:
    """Under the newest key; the token keeps its original timestamp (MultiFernet.rotate)."""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise TokenUnreadable() from None


def reencrypt_all() -> tuple[int, list[int]]:
    """Every stored token under the newest key. Returns (how many were re-encrypted, ids of channels whose
    token no configured key can read). The caller commits."""
    done, unreadable = 0, []
    for channel in db.session.scalars(select(SalesChannel).where(SalesChannel.token_ciphertext != "")):
        try:
            channel.token_ciphertext = reencrypt(channel.token_ciphertext)
            done += 1
        except TokenUnreadable:
            unreadable.append(channel.id)
    return done, unreadable
