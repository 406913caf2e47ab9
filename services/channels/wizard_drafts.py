"""Wizard drafts: what a user entered in the creation wizard's steps, kept in Redis for 30 minutes so a
validation error loses nothing. The token is stored encrypted and is never sent back to the browser.

A draft holds only values that passed validation. It also remembers a connection test the store passed, for a
few minutes and only for that shop domain and token, so "Next" right after "Test connection" does not pay
for the same two calls again."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass, field

from flask import current_app

from connectors.brightsites.results import ConnectionReport
from extensions import redis_client
from models.base import utcnow
from services.channels import token_vault

TTL_SECONDS = 30 * 60
PASSED_TEST_SECONDS = 5 * 60


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
    # {"shop_domain", "token_digest", "at" (UTC timestamp), "report" (ConnectionReport fields)}
    passed_test: dict = field(default_factory=dict)

    @property
    def has_token(self) -> bool:
        return bool(self.token_ciphertext)

    def keep_token(self, token: str) -> None:
        self.token_ciphertext = token_vault.encrypt(token)
        self.token_last4 = token[-4:]

    def forget_token(self) -> None:
        self.token_ciphertext = self.token_last4 = ""

    def token(self) -> str:
        return token_vault.decrypt(self.token_ciphertext)


def _key(user_id: int, draft_id: str) -> str:
    return f"channel-draft:{user_id}:{draft_id}"


def new(user_id: int, account_id: int) -> ChannelDraft:
    return ChannelDraft(draft_id=secrets.token_urlsafe(16), user_id=user_id, account_id=account_id)


def load(user_id: int, account_id: int, draft_id: str | None) -> ChannelDraft | None:
    """The user's own draft for this account, or None (expired, unknown, someone else's)."""
    if not draft_id or len(draft_id) > 64:
        return None
    raw = redis_client().get(_key(user_id, draft_id))
    if raw is None:
        return None
    draft = ChannelDraft(**json.loads(raw))
    return draft if draft.account_id == account_id else None


def save(draft: ChannelDraft) -> None:
    redis_client().set(_key(draft.user_id, draft.draft_id), json.dumps(asdict(draft)), ex=TTL_SECONDS)


def discard(draft: ChannelDraft) -> None:
    redis_client().delete(_key(draft.user_id, draft.draft_id))


def _token_digest(token: str) -> str:
    # Keyed, so the draft in Redis holds nothing a guessed token could be checked against.
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()


def remember_passed_test(draft: ChannelDraft, shop_domain: str, token: str, report: ConnectionReport) -> None:
    """Keep a test the store passed (it knows the store and accepts the token); forget any other."""
    if not (report.reachable and report.authenticated):
        draft.passed_test = {}
        return
    draft.passed_test = {
        "shop_domain": shop_domain,
        "token_digest": _token_digest(token),
        "at": utcnow().timestamp(),
        "report": asdict(report),
    }


def passed_test(draft: ChannelDraft, shop_domain: str, token: str) -> ConnectionReport | None:
    """The report of a test passed in the last few minutes with this very shop domain and token, or None."""
    test = draft.passed_test
    if not test or test.get("shop_domain") != shop_domain:
        return None
    if not hmac.compare_digest(test.get("token_digest", ""), _token_digest(token)):
        return None
    if not 0 <= utcnow().timestamp() - test.get("at", 0) <= PASSED_TEST_SECONDS:
        return None
    return ConnectionReport(**test["report"])
