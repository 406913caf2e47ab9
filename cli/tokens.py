"""`flask tokens rotate`: re-encrypt every stored access token and TOTP secret under the newest key, so older
keys can then be removed from TOKEN_ENCRYPTION_KEYS (SEC-03). Put the new key first, run this, then drop the
old key."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from extensions import db
from services.accounts import mfa
from services.channels import token_vault

tokens_cli = AppGroup("tokens", help="Access token keys.")


@tokens_cli.command("rotate")
def rotate_command() -> None:
    done, unreadable = token_vault.reencrypt_all()
    secrets_done, unreadable_secrets = mfa.reencrypt_all()
    db.session.commit()
    click.echo(f"Re-encrypted {done} token(s) under the newest key.")
    click.echo(f"Re-encrypted {secrets_done} two-factor secret(s) under the newest key.")
    if unreadable:
        click.echo(
            f"Unreadable with the configured keys (replace these tokens): channels {unreadable}", err=True
        )
    if unreadable_secrets:
        click.echo(
            f"Unreadable with the configured keys (an owner resets their MFA): users {unreadable_secrets}",
            err=True,
        )
    if unreadable or unreadable_secrets:
        raise SystemExit(1)
