"""RQ job functions. They open an app context (the test's, when one is active) and call sync/."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, has_app_context
from rq import get_current_job

from app import create_app
from extensions import db
from models.activity import SyncRun
from observability import log_context
from run_queue.enqueue import pushed_job_started
from sync import push_drain
from sync.executor import execute_run

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
    """One attempt of a run, of any action. The executor decides how it ends and starts a follow-up run
    when one is owed; when it puts the run back in the queue it raises, and RQ runs this job again after the
    backoff given on enqueue (run_queue/enqueue.py)."""
    job = get_current_job()
    attempts_left = (job.retries_left or 0) if job is not None else 0
    with logging_run(run_id):
        status = execute_run(run_id, attempts_left=attempts_left)
    return status.value if status else None


# Jobs queued before the purge ran through run_sync still name this one.
purge_pii = run_sync


@with_app_context
def import_pushed(payload_id: int) -> str | None:
    """A stored push: imports every received payload of its channel (sync/push_drain.py)."""
    channel_id = push_drain.channel_of(payload_id)
    if channel_id is None:
        return None
    pushed_job_started(channel_id)
    status = push_drain.drain_payload(payload_id, execute_run)
    return status.value if status else None
