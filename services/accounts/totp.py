"""TOTP (RFC 6238, 30-second steps, 6 digits) with the secret encrypted at rest under the same key ring as the
stores' access tokens (TOKEN_ENCRYPTION_KEYS, MultiFernet), so `flask tokens rotate` re-encrypts both.

A code is accepted for the current step and one step either side (clock drift), and only for a step later
than the last one accepted: the same code cannot be used twice.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

from services.channels import token_vault

STEP_SECONDS = 30
DRIFT_STEPS = 1
ISSUER = "techOMS Sales Channels"


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def encrypt(secret: str) -> str:
    return token_vault.encrypt(secret)


def decrypt(ciphertext: str) -> str:
    return token_vault.decrypt(ciphertext)


def reencrypt(ciphertext: str) -> str:
    return token_vault.reencrypt(ciphertext)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, now: datetime, last_used_step: int | None) -> int | None:
    """The time step `code` belongs to, if it is valid now and newer than the last accepted one."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = step_at(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def code_at(secret: str, moment: datetime) -> str:
    """The code an authenticator shows at `moment` (the demo's `flask demo totp`, the tests)."""
    return pyotp.TOTP(secret).at(moment)
