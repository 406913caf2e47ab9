"""Sending an alert: by e-mail through SMTP when SMTP_HOST is set, otherwise (development) as a .eml file in
the outbox folder, which the app's Outbox page lists; and as JSON to the account's webhook when it has one.
What happened is written on the alert (`delivery`, `error`); never a password or a token."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

from connectors.webhooks import WebhookFailed, post_json
from models.alerts import Alert
from models.base import utcnow
from services.alerts import settings as alert_settings

SMTP_TIMEOUT = 10


def send(alert: Alert) -> None:
    """Deliver `alert` everywhere its account asks; the caller commits."""
    config = current_app.config
    settings = alert_settings.of_account(alert.account_id)
    recipients = alert_settings.recipients(settings)
    done, errors = [], []
    if recipients:
        message = _message(alert, recipients, config["ALERT_FROM"])
        try:
            done.append(_send_email(message, alert, config))
        except (OSError, smtplib.SMTPException) as error:
            errors.append(f"E-mail not sent ({type(error).__name__}).")
    if settings is not None and settings.webhook_url:
        try:
            status = post_json(settings.webhook_url, _payload(alert))
            done.append(f"Webhook answered {status}.")
        except WebhookFailed as error:
            errors.append(str(error))
    if not recipients and not (settings and settings.webhook_url):
        done.append("No recipients or webhook set for this account.")
    alert.delivery = " ".join(done)
    alert.error = " ".join(errors)
    alert.sent_at = utcnow()


def _message(alert: Alert, recipients: list[str], sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = (alert.created_at or utcnow()).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content(alert.body)
    return message


def _send_email(message: EmailMessage, alert: Alert, config) -> str:
    if not config["SMTP_HOST"]:
        return f"Written to the outbox: {write_to_outbox(message, alert, Path(config['ALERT_OUTBOX']))}."
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
    return f"E-mailed to {message['To']}."


def outbox_name(alert: Alert) -> str:
    return f"alert-{alert.id}-{alert.kind.value}.eml"


def write_to_outbox(message: EmailMessage, alert: Alert, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    name = outbox_name(alert)
    (folder / name).write_bytes(bytes(message))
    return name


def _payload(alert: Alert) -> dict:
    return {
        "event": f"channel.{alert.kind.value}",
        "channel_id": alert.channel_id,
        "subject": alert.subject,
        "text": alert.body,
        "at": (alert.created_at or utcnow()).isoformat(),
    }
