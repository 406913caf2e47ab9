"""Wizard drafts: what a user entered in the creation wizard's steps, kept in Redis for 30 minutes so a
validation error loses nothing. The token is stored encrypted and is never sent back to the browser."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field

from flask import current_app

from services.channels import token_vault

TTL_SECONDS = 30 * 60


@dataclass
class ChannelDraft:
    draft_id: str
    user_id: int
    account_id: int
    channel_type: str = "brightsites"
    name: str = ""
    shop_domain: str = ""
    token_ciphertext: str = ""
    token_last4: str = ""
    token_can_write: bool | None = None
    connection_ok: bool = False
    options: dict = field(default_factory=dict)

    @property
    def has_token(self) -> bool:
        return bool(self.token_ciphertext)

    def keep_token(self, token: str) -> None:
        self.token_ciphertext = token_vault.encrypt(token)
        self.token_last4 = token[-4:]

    def token(self) -> str:
        return token_vault.decrypt(self.token_ciphertext)


def _redis():
    return current_app.extensions["redis"]


def _key(user_id: int, draft_id: str) -> str:
    return f"channel-draft:{user_id}:{draft_id}"


def new(user_id: int, account_id: int) -> ChannelDraft:
    return ChannelDraft(draft_id=secrets.token_urlsafe(16), user_id=user_id, account_id=account_id)


def load(user_id: int, account_id: int, draft_id: str | None) -> ChannelDraft | None:
    """The user's own draft for this account, or None (expired, unknown, someone else's)."""
    if not draft_id or len(draft_id) > 64:
        return None
    raw = _redis().get(_key(user_id, draft_id))
    if raw is None:
        return None
    draft = ChannelDraft(**json.loads(raw))
    return draft if draft.account_id == account_id else None


def save(draft: ChannelDraft) -> None:
    _redis().set(_key(draft.user_id, draft.draft_id), json.dumps(asdict(draft)), ex=TTL_SECONDS)


def discard(draft: ChannelDraft) -> None:
    _redis().delete(_key(draft.user_id, draft.draft_id))
