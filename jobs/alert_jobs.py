"""RQ entry points of alerts: the cron's look at every channel's health (once a minute), and the sending of
one alert (the job carries its id only)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from rq import get_current_job
from sqlalchemy import select

from extensions import db
from jobs.sync_jobs import with_app_context
from models.alerts import Alert
from models.base import utcnow
from models.channels import ChannelStatus, SalesChannel
from models.tenancy import Account
from run_queue.alerts import enqueue_alert
from services.alerts import delivery, transitions
from services.channels import health
from sync.runs import last_runs


@with_app_context
def evaluate_alerts() -> int:
    """Cron: compare every live channel's health with the last alerted one; queue one send per change."""
    channels = list(
        db.session.scalars(
            select(SalesChannel)
            .join(Account, Account.id == SalesChannel.account_id)
            .where(
                SalesChannel.deleted_at.is_(None),
                SalesChannel.status == ChannelStatus.ACTIVE,
                Account.active,
            )
            .order_by(SalesChannel.id)
        )
    )
    now = utcnow()
    failing_after = timedelta(minutes=current_app.config["ALERT_FAILING_MINUTES"])
    healths = health.of_channels(
        channels, last_runs([c.id for c in channels]), now=now, failing_after=failing_after
    )
    alerts = transitions.record_changes(channels, healths, now)
    db.session.commit()
    for alert in alerts:
        enqueue_alert(alert.id)
    return len(alerts)


class AlertNotDelivered(Exception):
    """Nothing reached anyone: raised so that RQ tries again; the alert already says why."""


def _tries_left() -> bool:
    job = get_current_job()
    return job is not None and bool(job.retries_left)


@with_app_context
def send_alert(alert_id: int) -> str | None:
    """Deliver one alert. When nothing could be delivered (or building the message failed) the alert shows
    the error at once, the job is tried again while tries are left, and the last try marks it sent, failed:
    the Outbox never shows "Queued" for an alert that cannot go."""
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.sent_at is not None:
        return None  # gone, or a duplicate delivery of the job
    try:
        delivery.send(alert)
    except Exception as error:  # noqa: BLE001  whatever broke, the Outbox must say so
        db.session.rollback()
        alert = db.session.get(Alert, alert_id)
        alert.delivery, alert.error = "", f"Not delivered ({type(error).__name__})."
        alert.sent_at = utcnow()
    if alert.error and not alert.delivery and _tries_left():
        alert.sent_at = None
        alert.error = f"{alert.error} Trying again."
        db.session.commit()
        raise AlertNotDelivered(f"alert {alert_id}")
    db.session.commit()
    return alert.error or alert.delivery
