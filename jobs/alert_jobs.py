"""RQ entry points of alerts: the cron's look at every channel's health (once a minute), and the sending of
one alert (the job carries its id only)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from extensions import db
from jobs.sync_jobs import with_app_context
from models.alerts import Alert
from models.base import utcnow
from models.channels import ChannelStatus, SalesChannel
from models.tenancy import Account
from run_queue.enqueue import FAILURE_TTL, RESULT_TTL, sync_queue
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
        sync_queue().enqueue(
            "jobs.alert_jobs.send_alert",
            args=(alert.id,),
            job_id=f"alert-{alert.id}",
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            description=f"alert {alert.id}",
        )
    return len(alerts)


@with_app_context
def send_alert(alert_id: int) -> str | None:
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.sent_at is not None:
        return None  # gone, or a duplicate delivery of the job
    delivery.send(alert)
    db.session.commit()
    return alert.error or alert.delivery
