"""Queueing the outbox retention purge (jobs/outbox_jobs.py purge_outbox): at most once an hour, whoever
asks (the cron's tick), one job at a time (a fixed job id)."""

from __future__ import annotations

from run_queue.enqueue import enqueue_unless_marked

DUE_KEY = "outbox:purge:queued"
EVERY_SECONDS = 60 * 60
JOB_ID = "outbox-purge"


def enqueue_outbox_purge() -> bool:
    """True when a job was queued (the first ask of the hour)."""
    return enqueue_unless_marked(
        DUE_KEY,
        EVERY_SECONDS,
        "jobs.outbox_jobs.purge_outbox",
        job_id=JOB_ID,
        job_timeout=10 * 60,
        result_ttl=24 * 60 * 60,
        description="outbox and webhook log retention purge",
    )
