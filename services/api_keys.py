"""Account API keys: create (the key is returned once), authenticate, note their use, revoke, list.

A key reads `toms_<public id>_<secret>`: the public id finds the row, a SHA-256 hash of the whole key proves
it. Creating and revoking write an audit row (the name and the public prefix, never the key). Functions
change the session and never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from datetime import timedelta

from sqlalchemy import func, select

from extensions import db
from models.api_keys import KEY_PREFIX, PUBLIC_ID_LENGTH, ApiKey, IdempotencyKey
from models.base import utcnow
from models.channels import AuditEvent
from models.tenancy import Account, User

MAX_ACTIVE_KEYS = 25
# Writing last_used_at on every call would make every API call a database write.
TOUCH_INTERVAL = timedelta(seconds=60)
_PUBLIC_ALPHABET = string.ascii_lowercase + string.digits
_KEY_FORMAT = re.compile(
    rf"^{re.escape(KEY_PREFIX)}(?P<public>[a-z0-9]{{{PUBLIC_ID_LENGTH}}})_[A-Za-z0-9_-]{{43}}$"
)


class TooManyKeys(Exception):
    """The account already has MAX_ACTIVE_KEYS active keys."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _audit(key: ApiKey, user: User | None, action: str) -> None:
    db.session.add(
        AuditEvent(
            account_id=key.account_id,
            user_id=user.id if user else None,
            action=action,
            field="api_key",
            old_value="",
            new_value=f"{key.name} ({key.display_prefix})",
        )
    )


def account_keys(account: Account) -> list[ApiKey]:
    """The account's keys, active ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiKey)
            .where(ApiKey.account_id == account.id)
            .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())
        )
    )


def key_of_account(account: Account, key_id: int) -> ApiKey | None:
    return db.session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.account_id == account.id))


def active_key_count(account: Account) -> int:
    return db.session.scalar(
        select(func.count(ApiKey.id)).where(ApiKey.account_id == account.id, ApiKey.revoked_at.is_(None))
    )


def create_key(account: Account, name: str, user: User | None) -> tuple[ApiKey, str]:
    """A new key for `account`: the row, and the key itself (shown once, never stored)."""
    if active_key_count(account) >= MAX_ACTIVE_KEYS:
        raise TooManyKeys
    public_id = "".join(secrets.choice(_PUBLIC_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))
    key = f"{KEY_PREFIX}{public_id}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        account_id=account.id,
        name=name,
        public_id=public_id,
        key_hash=_hash(key),
        created_by_id=user.id if user else None,
    )
    db.session.add(row)
    _audit(row, user, "api_key_created")
    return row, key


def public_part(presented: str | None) -> str:
    """The public id of a well-formed key (shown on the API keys page, so no secret), else ""."""
    match = _KEY_FORMAT.match(presented or "")
    return match["public"] if match is not None else ""


def authenticate(presented: str | None) -> ApiKey | None:
    """The active key `presented` is, or None. Malformed input never reaches the database."""
    match = _KEY_FORMAT.match(presented or "")
    if match is None:
        return None
    row = db.session.scalar(select(ApiKey).where(ApiKey.public_id == match["public"]))
    if row is None or not hmac.compare_digest(row.key_hash, _hash(presented)):
        return None
    return row if row.is_active else None


def note_use(key: ApiKey) -> bool:
    """Record that the key was used (at most once a minute); True when the row changed."""
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_INTERVAL:
        key.last_used_at = now
        return True
    return False


def revoke(key: ApiKey, user: User | None) -> bool:
    """Revoke at once: the next call with it answers 401. False when it was already revoked."""
    if key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    key.revoked_by_id = user.id if user else None
    _audit(key, user, "api_key_revoked")
    return True


def idempotency_record(account_id: int, key: str) -> IdempotencyKey | None:
    """The answer stored for the account's `Idempotency-Key`, if the key was used before."""
    return db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.account_id == account_id, IdempotencyKey.key == key)
    )
