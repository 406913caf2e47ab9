"""Queueing a write to a store order (the order page asks for it): a job that takes the write's id only. A
write that is not finished (unsure, or turned away by a 429) is tried again by RQ after a pause; each try
reads the order on the store before it sends anything again (sync/order_writes.py)."""

from __future__ import annotations

from rq import Retry

from run_queue.enqueue import FAILURE_TTL, sync_queue

RETRY_INTERVALS = [15, 60, 300]


def enqueue_store_write(write_id: int) -> None:
    sync_queue().enqueue(
        "jobs.store_write_jobs.run_store_write",
        args=(write_id,),
        job_id=f"store-write-{write_id}",
        retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
        result_ttl=3600,
        failure_ttl=FAILURE_TTL,
        description=f"store write {write_id}",
    )
