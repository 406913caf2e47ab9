"""Account API keys: how host systems (a WMS, techSHIP) authenticate on /api/v1; and the idempotency keys
that make a repeated POST answer what the first one did.

A key belongs to one account. Its secret is shown once, when it is created; only a SHA-256 hash of the whole
key is stored (the key is 256 random bits, so a fast hash is enough: there is nothing to guess). The public id
inside the key finds the row without comparing hashes of every key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import utcnow
from models.tenancy import Account, User

KEY_PREFIX = "toms_"
PUBLIC_ID_LENGTH = 12


class ApiKey(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    public_id: Mapped[str] = mapped_column(String(PUBLIC_ID_LENGTH), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the whole key
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    account: Mapped[Account] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def display_prefix(self) -> str:
        """What lists show: enough to recognise the key, nothing to use it."""
        return f"{KEY_PREFIX}{self.public_id}_…"


class IdempotencyKey(db.Model):
    """The first successful answer to a POST sent with an `Idempotency-Key` header, per account.

    Stored in the same transaction as what the POST created, so a key is either unused or tied to a complete
    result; `request_hash` tells a repeat from a different request reusing the key."""

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of method, path and body
    status_code: Mapped[int]
    response_body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("account_id", "key"),)
