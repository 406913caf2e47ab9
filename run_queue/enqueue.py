"""RQ plumbing: the sync queue (JSON serializer: Redis is not trusted to run code), enqueueing runs (the
dispatcher sync/start.py hands committed starts to, installed by create_app) and pushes, a job queued only
while no other waits (`enqueue_unless_marked`), and looking a run's job up.

Jobs take a run id only — never a token, an object or a URL (SEC-06)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from extensions import redis_client
from models.activity import SyncRun
from run_queue import SYNC_QUEUE
from sync import actions
from sync.start import QueuedStart

log = logging.getLogger("techoms.sync")

JOB_TIMEOUT = 60 * 60  # a first import of a large store may take a while
RESULT_TTL = 24 * 60 * 60
FAILURE_TTL = 14 * 24 * 60 * 60  # instead of RQ's one year
# A job in one of these states will never run again; in any other it is queued, scheduled or running.
ENDED_STATUSES = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def sync_queue() -> Queue:
    return Queue(SYNC_QUEUE, connection=redis_client(), serializer=JSONSerializer)


def job_id(run: SyncRun) -> str:
    return run_job_id(run.id)


def run_job_id(run_id: int) -> str:
    return f"sync-run-{run_id}"


def enqueue_unless_marked(mark: str, mark_ttl: int, job: str, *, args: tuple = (), **options: Any) -> bool:
    """Queue `job` (with RQ's enqueue `options`) only when the Redis key `mark` is not set, and set it for
    `mark_ttl` seconds: one job waits at a time (its job clears the mark when it starts; the mark lapses
    should the job be lost with a killed worker), or one a period when nothing clears it. True when a job
    was queued."""
    if not redis_client().set(mark, 1, nx=True, ex=mark_ttl):
        return False
    sync_queue().enqueue(job, args=args, failure_ttl=FAILURE_TTL, **options)
    return True


PUSH_QUEUED_KEY = "order-push:queued:{channel_id}"
PUSH_QUEUED_TTL = 60  # a lost job is made up for by the next push after this, or by the cron's look


def enqueue_pushed(channel_id: int, payload_id: int) -> bool:
    """Import a stored push: a job that takes the payload's id (jobs/sync_jobs.py import_pushed) and drains
    every received payload of its channel. One job waits per channel at a time: a push arriving while one
    waits is taken by it (the job clears the mark before it reads), so a burst of pushes is not a burst of
    jobs. No retries: it calls no store, and what it could not import stays stored for the next job or the
    cron. True when a job was queued."""
    return enqueue_unless_marked(
        PUSH_QUEUED_KEY.format(channel_id=channel_id),
        PUSH_QUEUED_TTL,
        "jobs.sync_jobs.import_pushed",
        args=(payload_id,),
        job_timeout=JOB_TIMEOUT,
        result_ttl=60,
        description=f"pushed order {payload_id}",
    )


def pushed_job_started(channel_id: int) -> None:
    """Called by the job before it reads the payloads: a push stored from now on queues a job of its own."""
    redis_client().delete(PUSH_QUEUED_KEY.format(channel_id=channel_id))


def enqueue_started(started: list[QueuedStart]) -> None:
    """The dispatcher of sync/start.py: the runs a transaction started, once it committed."""
    for each in started:
        action = actions.of(each.action)
        if action.job is None:  # run in place by the job that started it (the push import)
            continue
        try:
            _enqueue(each.run_id, action.job, action.retries)
        except RedisError:  # Redis is down: the run waits without a job until the sweeper queues it again
            log.warning("sync run saved without its job (Redis unreachable)", extra={"run_id": each.run_id})


def enqueue_run(run: SyncRun) -> None:
    """A run's job again (the sweeper, for a run whose job Redis lost)."""
    action = actions.of(run.action)
    if action.job is not None:
        _enqueue(run.id, action.job, action.retries)


def _enqueue(run_id: int, job: str, retries: bool) -> None:
    intervals = current_app.config["SYNC_RETRY_INTERVALS"] if retries else []
    sync_queue().enqueue(
        job,
        args=(run_id,),
        job_id=run_job_id(run_id),
        job_timeout=JOB_TIMEOUT,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
        description=f"sync run {run_id}",
    )


def job_waiting(run: SyncRun) -> bool:
    """Whether the run's job is still in RQ's hands (queued, in its retry wait, or being worked on)."""
    try:
        job = Job.fetch(job_id(run), connection=redis_client(), serializer=JSONSerializer)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) not in ENDED_STATUSES


def queue_depth() -> int:
    """Jobs waiting in the sync queue (not those running, nor the delayed retries)."""
    return sync_queue().count


def retry_at(run: SyncRun) -> datetime | None:
    """When RQ tries the run's job again; None when it is not waiting for a retry."""
    try:
        return sync_queue().scheduled_job_registry.get_scheduled_time(job_id(run))
    except NoSuchJobError:
        return None


def retry_now(run: SyncRun) -> bool:
    """Start the run's waiting retry at once (the store is back, nobody wants to wait); False when it is not
    waiting (it started meanwhile, or it has no retry)."""
    try:
        sync_queue().scheduled_job_registry.requeue(job_id(run))
    except (NoSuchJobError, InvalidJobOperation):
        return False
    return True
