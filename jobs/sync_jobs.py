"""RQ entry points. They open an app context (the test's, when one is active) and call sync/."""

from __future__ import annotations

import functools

from flask import Flask, has_app_context
from rq import get_current_job

from extensions import db
from models.activity import EventLevel, RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from sync import engine, runs
from sync import purge_pii as retention_purge
from sync.import_orders import StoreUnavailable

_worker_app: Flask | None = None


def with_app_context(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if has_app_context():  # tests run jobs in-process with their own app
            return function(*args, **kwargs)
        global _worker_app
        if _worker_app is None:
            from app import create_app

            _worker_app = create_app()
        with _worker_app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


@with_app_context
def run_sync(run_id: int) -> str | None:
    """Run a sync; a store outage is retried by RQ (Retry on enqueue), anything else ends the run."""
    try:
        status = engine.execute(run_id)
    except StoreUnavailable as error:
        job = get_current_job()
        run = db.session.get(SyncRun, run_id)
        if job is not None and job.retries_left:
            runs.requeue(run, f"{error} techOMS will try again ({job.retries_left} attempt(s) left).")
        else:
            runs.add_event(run, EventLevel.FATAL, f"{error} No attempts left.")
            runs.finish(run, RunStatus.FAILED, f"{error} No attempts left.")
        raise
    return status.value if status else None


@with_app_context
def purge_pii(run_id: int) -> str | None:
    """The PII retention purge of one channel: no store calls, so nothing to retry (the next run resumes)."""
    status = retention_purge.execute(run_id)
    return status.value if status else None


@with_app_context
def sweep() -> int:
    """Cron: fail runs whose worker died."""
    return runs.sweep_stale_runs()


@with_app_context
def enqueue_scheduled_runs() -> int:
    """Cron: a scheduled run for every channel whose automation interval has passed."""
    from jobs.enqueue import enqueue_run
    from sync.schedule import due_channels

    started = 0
    for channel in due_channels(SyncAction.IMPORT_ORDERS, utcnow()):
        run, created = runs.request_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.SCHEDULED)
        if created:
            enqueue_run(run)
            started += 1
    return started


@with_app_context
def enqueue_scheduled_purges() -> int:
    """Cron: the daily PII retention purge of every channel with a threshold."""
    from jobs.enqueue import enqueue_run
    from sync.schedule import due_purges

    started = 0
    for channel in due_purges(utcnow()):
        run, created = runs.request_run(channel, SyncAction.PURGE_PII, SyncTrigger.SCHEDULED)
        if created:
            enqueue_run(run)
            started += 1
    return started
