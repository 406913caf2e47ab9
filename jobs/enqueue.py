"""RQ plumbing: the sync queue (JSON serializer: Redis is not trusted to run code) and enqueueing runs.

Jobs take a run id only — never a token, an object or a URL (SEC-06)."""

from __future__ import annotations

from flask import current_app
from rq import Queue, Retry
from rq.serializers import JSONSerializer

from models.activity import SyncAction, SyncRun

SYNC_QUEUE = "sync"
JOB_TIMEOUT = 60 * 60  # a first import of a large store may take a while
RESULT_TTL = 24 * 60 * 60
FAILURE_TTL = 14 * 24 * 60 * 60  # instead of RQ's one year
# Actions that do not call the store run their own job, without the store-outage retries.
LOCAL_JOBS = {SyncAction.PURGE_PII: "jobs.sync_jobs.purge_pii"}


def sync_queue() -> Queue:
    return Queue(SYNC_QUEUE, connection=current_app.extensions["redis"], serializer=JSONSerializer)


def job_id(run: SyncRun) -> str:
    return f"sync-run-{run.id}"


def enqueue_run(run: SyncRun) -> None:
    intervals = current_app.config["SYNC_RETRY_INTERVALS"]
    if run.action in LOCAL_JOBS:
        intervals = []
    sync_queue().enqueue(
        LOCAL_JOBS.get(run.action, "jobs.sync_jobs.run_sync"),
        args=(run.id,),
        job_id=job_id(run),
        job_timeout=JOB_TIMEOUT,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
        description=f"sync run {run.id}",
    )


def queue_depth() -> int:
    """Jobs waiting in the sync queue (not those running, nor the delayed retries)."""
    return sync_queue().count
