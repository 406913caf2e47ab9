"""A user's second factor: the TOTP secret (encrypted), the recovery codes (hashed), what happened to them.

One credential per user. It exists unconfirmed while the user enrols (the secret shown, no code typed yet) and
counts only once `enabled_at` is set. `last_used_step` is the TOTP time step of the last accepted code, so a
code cannot be used twice within its window.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import enum_as_string, utcnow


class MfaCredential(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    secret_ciphertext: Mapped[str] = mapped_column(String(255))  # Fernet, under TOKEN_ENCRYPTION_KEYS
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enabled_at: Mapped[datetime | None]
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def enabled(self) -> bool:
        return self.enabled_at is not None


class MfaRecoveryCode(db.Model):
    """One single-use recovery code. Only a SHA-256 hash is kept: the code has 59 random bits."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class MfaEventKind(enum.StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    RESET = "reset"  # by an organization owner, for another member
    RECOVERY_CODES_REGENERATED = "recovery_regenerated"
    RECOVERY_CODE_USED = "recovery_code_used"


class MfaEvent(db.Model):
    """The audit trail of second factors: who did what to whose MFA, and when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[MfaEventKind] = mapped_column(enum_as_string(MfaEventKind, length=24))
    at: Mapped[datetime] = mapped_column(default=utcnow)
