"""`flask tokens rotate`: re-encrypt every stored access token under the newest key, so older keys can then be
removed from TOKEN_ENCRYPTION_KEYS (SEC-03). Put the new key first, run this, then drop the old key."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

import token_vault
from extensions import db
from models.channels import SalesChannel

tokens_cli = AppGroup("tokens", help="Access token keys.")


def reencrypt_all() -> tuple[int, list[int]]:
    """Returns (how many were re-encrypted, ids of channels whose token no configured key can read)."""
    done, unreadable = 0, []
    for channel in db.session.scalars(select(SalesChannel).where(SalesChannel.token_ciphertext != "")):
        try:
            channel.token_ciphertext = token_vault.reencrypt(channel.token_ciphertext)
            done += 1
        except token_vault.TokenUnreadable:
            unreadable.append(channel.id)
    db.session.commit()
    return done, unreadable


@tokens_cli.command("rotate")
def rotate_command() -> None:
    done, unreadable = reencrypt_all()
    click.echo(f"Re-encrypted {done} token(s) under the newest key.")
    if unreadable:
        click.echo(
            f"Unreadable with the configured keys (replace these tokens): channels {unreadable}", err=True
        )
        raise SystemExit(1)
