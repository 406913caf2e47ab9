"""Sending an alert: by e-mail through SMTP when SMTP_HOST is set, otherwise (development) as a .eml file in
the outbox folder, which the app's Outbox page lists; and as JSON to the account's webhook when it has one.
What happened is written on the alert (`delivery`, `error`); never a password or a token."""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app

from connectors.webhooks import WebhookFailed, post_json
from models.alerts import Alert
from models.base import utcnow
from services import outgoing_mail
from services.alerts import settings as alert_settings
from services.shown_text import one_line


def send(alert: Alert) -> None:
    """Deliver `alert` everywhere its account asks; the caller commits."""
    config = current_app.config
    settings = alert_settings.of_account(alert.account_id)
    recipients = alert_settings.recipients(settings)
    done, errors = [], []
    if recipients:
        message = _message(alert, recipients, config["ALERT_FROM"])
        try:
            done.append(outgoing_mail.send(message, outbox_name(alert)))
        except outgoing_mail.SEND_ERRORS as error:
            errors.append(f"E-mail not sent ({type(error).__name__}).")
    if settings is not None and settings.webhook_url:
        try:
            status = post_json(settings.webhook_url, webhook_payload(alert))
            done.append(f"Webhook answered {status}.")
        except WebhookFailed as error:
            errors.append(str(error))
    if not recipients and not (settings and settings.webhook_url):
        done.append("No recipients or webhook set for this account.")
    alert.delivery = " ".join(done)
    alert.error = " ".join(errors)
    alert.sent_at = utcnow()


def _message(alert: Alert, recipients: list[str], sender: str) -> EmailMessage:
    # Header values from stored text go through one_line: a separator kept in an older channel name must not
    # make the message unbuildable (the job would fail on every try).
    message = EmailMessage()
    message["Subject"] = one_line(alert.subject)
    message["From"] = one_line(sender)
    message["To"] = one_line(", ".join(recipients))
    message["Date"] = (alert.created_at or utcnow()).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content(alert.body)
    return message


def outbox_name(alert: Alert) -> str:
    return f"alert-{alert.id}-{alert.kind.value}.eml"


def webhook_payload(alert: Alert) -> dict:
    return {
        # An account-level alert (a webhook endpoint disabled) has no channel.
        "event": f"{'channel' if alert.channel_id is not None else 'account'}.{alert.kind.value}",
        "channel_id": alert.channel_id,
        "subject": alert.subject,
        "text": alert.body,
        "at": (alert.created_at or utcnow()).isoformat(),
    }
