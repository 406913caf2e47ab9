"""A sync run as a single-process bench asks for it: made, committed and executed here as a worker's job
would (`execute_run`), timed; and the peak memory Python traced while a block ran."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import TypeVar

from extensions import db
from models.activity import SyncAction, SyncRun, SyncTrigger
from models.channels import SalesChannel
from sync import runs
from sync.executor import execute_run

T = TypeVar("T")


def timed_run(
    channel: SalesChannel, action: SyncAction, trigger: SyncTrigger = SyncTrigger.MANUAL, **params
) -> tuple[SyncRun, float]:
    """The run (refreshed after it ended) and the seconds `execute_run` took."""
    run = runs.new_run(channel, action, trigger, **params)
    db.session.add(run)
    db.session.commit()
    started = time.perf_counter()
    execute_run(run.id)
    elapsed = time.perf_counter() - started
    db.session.refresh(run)
    return run, elapsed


def traced_peak(work: Callable[[], T]) -> tuple[T, int]:
    """What `work` returned and the peak of the memory tracemalloc traced while it ran, in bytes."""
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
