"""The benches' second factor: users whose role requires MFA (owners and admins) are enrolled at seed time
with a known secret, and the bench types the code an authenticator app would show. A code is taken once per
30-second step per user, so a bench logs each such user in once, or uses `fresh_code` between logins."""

from __future__ import annotations

import pyotp
from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.mfa import MfaCredential
from models.tenancy import User
from services.accounts import mfa, totp

BENCH_TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"  # a throwaway bench database's users only


def enrol_if_required(user: User, secret: str = BENCH_TOTP_SECRET) -> str | None:
    """MFA on for `user` when a role of theirs requires it (memberships flushed); returns the secret, or None
    when the user logs in with the password alone. The caller commits."""
    if not mfa.is_required(user):
        return None
    if db.session.scalar(select(MfaCredential.id).where(MfaCredential.user_id == user.id)) is None:
        db.session.add(
            MfaCredential(user_id=user.id, secret_ciphertext=totp.encrypt(secret), enabled_at=utcnow())
        )
    return secret


def code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def fresh_code(email: str, secret: str = BENCH_TOTP_SECRET) -> str:
    """The code of now for a user logged in again within the step: the last step used is forgotten, as if
    the bench had waited for the next one (in an app context; commits)."""
    user_id = db.session.scalar(select(User.id).where(User.email == email))
    db.session.execute(
        update(MfaCredential).where(MfaCredential.user_id == user_id).values(last_used_step=None)
    )
    db.session.commit()
    return code(secret)


def log_in(client, email: str, password: str, secret: str = BENCH_TOTP_SECRET) -> None:
    """Log in through a Flask test client of an app without CSRF: the password, then the code when asked."""
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code == 302 and response.headers["Location"].endswith("/login/code"):
        response = client.post("/login/code", data={"code": code(secret)})
    if response.status_code != 302 or "/login" in response.headers["Location"]:
        raise RuntimeError(f"login of {email} failed: {response.status_code}")
