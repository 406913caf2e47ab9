"""Recovery codes: ten single-use codes, shown once. Each has 59 random bits, so a SHA-256 hash (salted with
the user id) is enough to keep: there is nothing to guess. Reading them forgives case, spaces, dashes."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, func, select, update

from extensions import db
from models.base import utcnow
from models.mfa import MfaRecoveryCode

COUNT = 10
# No 0/o, 1/l/i: read off paper without doubt. 31 symbols, 12 of them: 59 bits.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
LENGTH = 12


def _normalized(code: str) -> str:
    return "".join(ch for ch in code.casefold() if ch.isalnum())


def _hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{_normalized(code)}".encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def looks_like_recovery_code(text: str) -> bool:
    return len(_normalized(text)) == LENGTH


def replace_all(user_id: int) -> list[str]:
    """A new set of codes for the user; the old ones stop working. Returns the codes in clear, once."""
    db.session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id))
    codes = [_new_code() for _ in range(COUNT)]
    db.session.add_all(MfaRecoveryCode(user_id=user_id, code_hash=_hash(user_id, code)) for code in codes)
    return codes


def remove_all(user_id: int) -> None:
    db.session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id))


def use(user_id: int, code: str) -> bool:
    """Spend one code: a conditional UPDATE, so two requests with the same code cannot both succeed."""
    result = db.session.execute(
        update(MfaRecoveryCode)
        .where(
            MfaRecoveryCode.user_id == user_id,
            MfaRecoveryCode.code_hash == _hash(user_id, code),
            MfaRecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


def remaining(user_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(MfaRecoveryCode)
        .where(MfaRecoveryCode.user_id == user_id, MfaRecoveryCode.used_at.is_(None))
    )
