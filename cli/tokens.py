"""`flask tokens rotate`: re-encrypt every stored access token under the newest key, so older keys can then be
removed from TOKEN_ENCRYPTION_KEYS (SEC-03). Put the new key first, run this, then drop the old key."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from extensions import db
from services.channels import token_vault

tokens_cli = AppGroup("tokens", help="Access token keys.")


@tokens_cli.command("rotate")
def rotate_command() -> None:
    done, unreadable = token_vault.reencrypt_all()
    db.session.commit()
    click.echo(f"Re-encrypted {done} token(s) under the newest key.")
    if unreadable:
        click.echo(
            f"Unreadable with the configured keys (replace these tokens): channels {unreadable}", err=True
        )
        raise SystemExit(1)
