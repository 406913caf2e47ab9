"""Sending one e-mail: through SMTP when SMTP_HOST is set, otherwise (development) as a .eml file in the
outbox folder. Shared by alerts and by the notices sent to a user about their own account."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

SMTP_TIMEOUT = 10
# What a failed send raises: the caller records it (alerts) or logs it (notices), never a 500.
SEND_ERRORS = (OSError, smtplib.SMTPException)


def send(message: EmailMessage, outbox_file: str) -> str:
    """Deliver `message`; returns what happened, in words. `outbox_file` names the file in development."""
    config = current_app.config
    if not config["SMTP_HOST"]:
        written = write_to_outbox(message, outbox_file, Path(config["ALERT_OUTBOX"]))
        return f"Written to the outbox: {written}."
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
    return f"E-mailed to {message['To']}."


def write_to_outbox(message: EmailMessage, name: str, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(bytes(message))
    return name
