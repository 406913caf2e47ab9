"""The second factor in tests: the world's users whose role requires MFA are enrolled with one known secret,
and the login helpers type the code an authenticator app would show (computed with pyotp)."""

from __future__ import annotations

import pyotp
from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.mfa import MfaCredential
from models.tenancy import User
from services.accounts import totp

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CODE_PAGE = "/login/code"


def enrol(user: User, secret: str = TOTP_SECRET) -> None:
    """MFA on for `user`, as if enrolled with an app holding `secret` (the caller commits)."""
    db.session.add(
        MfaCredential(user_id=user.id, secret_ciphertext=totp.encrypt(secret), enabled_at=utcnow())
    )


def current_code(email: str, secret: str = TOTP_SECRET) -> str:
    """The code of now for the user. A code is accepted once per 30-second step, and the tests log the same
    user in many times a minute: forget the last step used, as if the app had waited for the next one."""
    user_id = db.session.scalar(select(User.id).where(User.email == email))
    db.session.execute(
        update(MfaCredential).where(MfaCredential.user_id == user_id).values(last_used_step=None)
    )
    db.session.commit()
    return pyotp.TOTP(secret).now()


def pass_code_step(client, email: str, response):
    """When the password's answer leads to the code prompt, answer it; returns the final answer."""
    if response.status_code == 302 and response.headers["Location"].endswith(CODE_PAGE):
        return client.post(CODE_PAGE, data={"code": current_code(email)})
    return response
