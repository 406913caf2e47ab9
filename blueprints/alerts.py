"""Alerts of the current account: where they go (e-mail recipients, an optional webhook) and the outbox (every
alert made, how it was delivered; in development the e-mails are files listed here)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import fresh_login_required

from extensions import db
from forms.alerts import AlertSettingsForm
from permissions import Permission, current_account, require
from services.alerts import outbox as outbox_alerts
from services.alerts import settings as alert_settings
from web.htmx import render

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
OUTBOX_SIZE = 100


def _render(form: AlertSettingsForm, *, message: str | None = None, status: int = 200):
    account = current_account()
    return render("alerts/index.html", "panel", account=account, form=form, message=message), status


@bp.get("/")
@require(Permission.MANAGE_ALERTS)
def settings():
    current = alert_settings.of_account(current_account().id)
    data = {"recipients": current.recipients, "webhook_url": current.webhook_url} if current else {}
    return _render(AlertSettingsForm(formdata=None, data=data))


@bp.post("/")
@require(Permission.MANAGE_ALERTS)
@fresh_login_required  # recipients and the webhook receive what happens to the channels: no stale session
def save():
    form = AlertSettingsForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    alert_settings.save(current_account(), form.recipients.data, form.webhook_url.data)
    db.session.commit()
    return _render(form, message="Alert settings saved.")


@bp.get("/outbox")
@require(Permission.MANAGE_ALERTS)
def outbox():
    account = current_account()
    alerts = outbox_alerts.recent_alerts(account.id, OUTBOX_SIZE)
    return render("alerts/outbox.html", "outbox", account=account, alerts=alerts)
