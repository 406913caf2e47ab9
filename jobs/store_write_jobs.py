"""RQ entry point of a write to a store order (queued by run_queue/store_writes.py): opens an app context and
carries the write out (sync/order_writes.py); while it is unfinished the job raises and RQ tries again."""

from __future__ import annotations

from jobs.sync_jobs import with_app_context
from sync import order_writes


@with_app_context
def run_store_write(write_id: int) -> str | None:
    state = order_writes.execute(write_id)
    return state.value if state else None
