"""RQ entry points. They open an app context (the test's, when one is active) and call sync/."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, has_app_context
from rq import get_current_job

from app import create_app
from extensions import db
from jobs.enqueue import enqueue_run, job_waiting, pushed_job_started
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.channels import SalesChannel
from observability import log_context
from services.shipments import export_state
from sync import engine, runs
from sync import import_pushed as pushed_orders
from sync import purge_pii as retention_purge
from sync.schedule import SCHEDULED_ACTIONS, due_channels, due_purges

_worker_app: Flask | None = None


def with_app_context(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if has_app_context():  # tests run jobs in-process with their own app
            return function(*args, **kwargs)
        global _worker_app
        if _worker_app is None:
            _worker_app = create_app()
        with _worker_app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


@contextmanager
def logging_run(run_id: int) -> Iterator[None]:
    """Every line logged while the job works names its run, job, channel and account."""
    job = get_current_job()
    run = db.session.get(SyncRun, run_id)
    with log_context.bound(
        run_id=run_id,
        job_id=job.id if job is not None else None,
        channel_id=run.channel_id if run is not None else None,
        account_id=run.account_id if run is not None else None,
    ):
        yield


@with_app_context
def run_sync(run_id: int) -> str | None:
    """One attempt of a run. The engine decides how it ends; when it puts the run back in the queue it raises,
    and RQ runs this job again after the backoff given on enqueue (jobs/enqueue.py)."""
    job = get_current_job()
    attempts_left = (job.retries_left or 0) if job is not None else 0
    with logging_run(run_id):
        status = engine.execute(run_id, attempts_left=attempts_left)
        if status is not None:
            enqueue_follow_up(run_id)
    return status.value if status else None


def enqueue_follow_up(run_id: int) -> SyncRun | None:
    """Retries asked for after the run's last look at them get a run of their own (sync.runs)."""
    follow_up = runs.follow_up_retries(run_id)
    if follow_up is not None:
        enqueue_run(follow_up)
    return follow_up


@with_app_context
def purge_pii(run_id: int) -> str | None:
    """The PII retention purge of one channel: no store calls, so nothing to retry (the next run resumes)."""
    with logging_run(run_id):
        status = retention_purge.execute(run_id)
    return status.value if status else None


@with_app_context
def import_pushed(payload_id: int) -> str | None:
    """A stored push: imports every received payload of its channel (sync/import_pushed.py)."""
    channel_id = pushed_orders.channel_of(payload_id)
    if channel_id is None:
        return None
    pushed_job_started(channel_id)
    status = pushed_orders.import_payload(payload_id)
    return status.value if status else None


@with_app_context
def import_waiting_pushes() -> int:
    """Cron: pushes still waiting (their job was lost, or failed): drained again. Returns the channels."""
    channels = pushed_orders.waiting_channels()
    for channel_id in channels:
        pushed_orders.drain(db.session.get(SalesChannel, channel_id))
    return len(channels)


@with_app_context
def sweep() -> int:
    """Cron: fail runs whose worker died, and queue again the runs whose job Redis lost (a restart
    without persistence, a flush): without this they would wait in "queued" for ever. Returns how many it
    handled."""
    failed = runs.sweep_stale_runs()
    lost = runs.lost_queued_runs(job_waiting)
    for run in lost:
        if run.status == RunStatus.QUEUED:  # the others ended: lost too often
            enqueue_run(run)
    return failed + len(lost)


@with_app_context
def enqueue_scheduled_runs() -> int:
    """Cron: a scheduled run for every channel and action whose automation interval has passed."""
    started = 0
    for action in SCHEDULED_ACTIONS:
        for channel in due_channels(action, utcnow()):
            if action == SyncAction.EXPORT_SHIPMENTS and (
                # Only when something waits, and not with a token known to be read-only (each would fail).
                channel.token_can_write is False or not export_state.has_work(channel)
            ):
                continue
            run, created = runs.request_run(channel, action, SyncTrigger.SCHEDULED)
            if created:
                enqueue_run(run)
                started += 1
    return started


@with_app_context
def enqueue_scheduled_purges() -> int:
    """Cron: the daily PII retention purge of every channel with a threshold."""
    started = 0
    for channel in due_purges(utcnow()):
        run, created = runs.request_run(channel, SyncAction.PURGE_PII, SyncTrigger.SCHEDULED)
        if created:
            enqueue_run(run)
            started += 1
    return started
