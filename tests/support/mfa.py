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
ENROL_PAGE = "/mfa/enrol"


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


def enrol_if_asked(email: str) -> None:
    """A user whose role now requires MFA (promoted by the test) is sent to enrolment: enrol them with the
    known secret instead, as if they had scanned the QR code, so the login goes on to the code prompt."""
    user = db.session.scalar(select(User).where(User.email == email))
    if db.session.scalar(select(MfaCredential.id).where(MfaCredential.user_id == user.id)) is None:
        enrol(user)
        db.session.commit()


def pass_code_step(client, email: str, response, **extra):
    """When the password's answer leads to the second factor, answer it; returns the final answer. `extra`
    goes with the code (a CSRF token)."""
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if location.endswith(ENROL_PAGE):
        enrol_if_asked(email)
        location = CODE_PAGE
    if location.endswith(CODE_PAGE):
        return client.post(CODE_PAGE, data={"code": current_code(email), **extra})
    return response
