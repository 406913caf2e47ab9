"""Readiness for a load balancer: can this process serve? The database and Redis answer, the sync queue is not
piling up, and the cron process ticked recently. Each check is only ok or failing: no internals are shown,
and why a check failed goes to the log."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from sqlalchemy import text

from extensions import db, redis_client
from models.base import utcnow
from run_queue.enqueue import queue_depth
from services import cron_heartbeat

log = logging.getLogger("techoms.readiness")


def _database() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    finally:
        db.session.rollback()


def _redis() -> bool:
    return bool(redis_client().ping())


def _queue() -> bool:
    return queue_depth() <= current_app.config["READY_MAX_QUEUE_DEPTH"]


def _cron() -> bool:
    age = cron_heartbeat.age_seconds(redis_client(), utcnow())
    return age is not None and age <= current_app.config["CRON_HEARTBEAT_MAX_AGE"]


CHECKS: dict[str, Callable[[], bool]] = {
    "database": _database,
    "redis": _redis,
    "queue": _queue,
    "cron": _cron,
}


def run_checks() -> dict[str, bool]:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # noqa: BLE001  a failing dependency is an answer here, not an error
            log.warning("readiness check %s failed: %s", name, type(error).__name__)
            results[name] = False
        if not results[name]:
            log.warning("readiness check %s failing", name)
    return results
