"""An account's alert settings: e-mail recipients and an optional webhook URL (validated by the form)."""

from __future__ import annotations

from extensions import db
from models.alerts import AlertSettings
from models.tenancy import Account


def of_account(account_id: int) -> AlertSettings | None:
    return db.session.get(AlertSettings, account_id)


def recipients(settings: AlertSettings | None) -> list[str]:
    return [line for line in (settings.recipients if settings else "").splitlines() if line.strip()]


def save(account: Account, recipients_text: str, webhook_url: str) -> AlertSettings:
    settings = of_account(account.id)
    if settings is None:
        settings = AlertSettings(account_id=account.id)
        db.session.add(settings)
    settings.recipients = recipients_text
    settings.webhook_url = webhook_url
    return settings
