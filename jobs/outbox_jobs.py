"""RQ entry point of the outbox retention purge: events and webhook deliveries older than
OUTBOX_RETENTION_DAYS whose deliveries are settled (sync/outbox_retention.py). Queued by the cron."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from jobs.sync_jobs import with_app_context
from models.base import utcnow
from sync.outbox_retention import purge

BUDGET_SECONDS = 5 * 60  # then the next hour's job goes on


@with_app_context
def purge_outbox() -> str:
    config = current_app.config
    outcome = purge(
        utcnow(),
        timedelta(days=config["OUTBOX_RETENTION_DAYS"]),
        batch=config["OUTBOX_PURGE_BATCH"],
        budget=BUDGET_SECONDS,
    )
    more = "" if outcome.finished else " (more left for the next run)"
    return (
        f"{outcome.events} events, {outcome.deliveries} deliveries, {outcome.endpoints} deleted endpoints "
        f"purged{more}"
    )
