"""Queueing the outbox retention purge (jobs/outbox_jobs.py purge_outbox): at most once an hour, whoever
asks (the cron's tick), one job at a time (a fixed job id)."""

from __future__ import annotations

from extensions import redis_client
from run_queue.enqueue import FAILURE_TTL, sync_queue

DUE_KEY = "outbox:purge:queued"
EVERY_SECONDS = 60 * 60
JOB_ID = "outbox-purge"


def enqueue_outbox_purge() -> bool:
    """True when a job was queued (the first ask of the hour)."""
    if not redis_client().set(DUE_KEY, 1, nx=True, ex=EVERY_SECONDS):
        return False
    sync_queue().enqueue(
        "jobs.outbox_jobs.purge_outbox",
        job_id=JOB_ID,
        job_timeout=10 * 60,
        result_ttl=24 * 60 * 60,
        failure_ttl=FAILURE_TTL,
        description="outbox and webhook log retention purge",
    )
    return True
