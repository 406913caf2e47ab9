"""E-mails that tell a user about a change to their own sign-in (two-factor authentication turned on or off),
so that a change they did not make is noticed. Sent at once; a failed send is logged and the change stands."""

from __future__ import annotations

import logging
import secrets
from email.message import EmailMessage

from flask import current_app

from models.base import utcnow
from models.tenancy import User
from services import outgoing_mail
from services.shown_text import one_line

log = logging.getLogger("techoms.security")

_SECOND_FACTOR_TEXT = {
    "enabled": (
        "Two-factor authentication was turned on",
        "Two-factor authentication was turned on for your techOMS login.",
    ),
    "disabled": (
        "Two-factor authentication was turned off",
        "Two-factor authentication was turned off for your techOMS login.",
    ),
    "reset": (
        "Two-factor authentication was reset",
        "An owner of your organization reset the two-factor authentication of your techOMS login; "
        "you set it up again at your next login.",
    ),
}
_UNEXPECTED = (
    "\n\nIf you did not do this, change your password at once and tell an owner of your organization."
)


def second_factor_changed(user: User, change: str) -> None:
    """Tell `user` by e-mail that their second factor was `change`d ("enabled", "disabled" or "reset")."""
    subject, text = _SECOND_FACTOR_TEXT[change]
    now = utcnow()
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["ALERT_FROM"]
    message["To"] = one_line(user.email)
    message["Date"] = now.strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content(f"{text}\nWhen: {now:%Y-%m-%d %H:%M} UTC.{_UNEXPECTED}\n")
    name = f"mfa-{change}-user-{user.id}-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}.eml"
    try:
        outgoing_mail.send(message, name)
    except outgoing_mail.SEND_ERRORS as error:
        log.warning("security notice not sent", extra={"user_id": user.id, "error": type(error).__name__})
