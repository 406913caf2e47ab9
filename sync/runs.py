"""Run bookkeeping: the active run of a channel and action, events, heartbeats, how an attempt ends
(`finish`: the one writer of a run's final state), and the sweeper that notices dead workers' runs and runs
whose job Redis lost. Runs are started by sync/start.py and run by sync/executor.py."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, literal, select, true, union_all
from sqlalchemy.orm import aliased

from extensions import db
from models.activity import (
    ACTIVE_STATUSES,
    EventLevel,
    RunStatus,
    SyncAction,
    SyncEvent,
    SyncRun,
    SyncTrigger,
)
from models.base import utcnow
from models.channels import SalesChannel
from models.orders import SalesOrder
from models.tenancy import User
from sync.outcomes import Outcome

# Run starts and ends as log lines too (LOG-05): ids, action, trigger and status only, never the message (it
# may quote the store).
log = logging.getLogger("techoms.sync")

# A running run bumps its heartbeat at least this often; missed beats for STALE_AFTER mean its worker is gone.
# Defaults; the configuration may shorten them (SYNC_HEARTBEAT_SECONDS, SYNC_STALE_AFTER_SECONDS).
HEARTBEAT_EVERY = timedelta(seconds=15)
STALE_AFTER = timedelta(minutes=2)
# A queued run that no worker picked up for this long lost its job (e.g. Redis was emptied).
QUEUED_TOO_LONG = timedelta(minutes=30)
# A queued run untouched for this long is checked against the queue: younger ones may be between the commit
# that created them (or put them back for a retry) and the enqueue that follows it.
QUEUED_SETTLE = timedelta(minutes=1)  # or SYNC_QUEUED_SETTLE_SECONDS
# A run whose lost job was put back this many times ends instead: something keeps emptying the queue.
MAX_REQUEUES = 3


def _configured(name: str, default: timedelta) -> timedelta:
    seconds = current_app.config.get(name)
    return timedelta(seconds=seconds) if seconds else default


def active_run(channel_id: int, action: SyncAction) -> SyncRun | None:
    return db.session.scalar(
        select(SyncRun).where(
            SyncRun.channel_id == channel_id, SyncRun.action == action, SyncRun.status.in_(ACTIVE_STATUSES)
        )
    )


def new_run(
    channel: SalesChannel, action: SyncAction, trigger: SyncTrigger, user: User | None = None, **params
) -> SyncRun:
    """A queued run of `action`, not yet added to the session. start_run (sync/start.py) adds it and queues
    its job; a bench that runs it in its own process adds it itself."""
    return SyncRun(
        account_id=channel.account_id,
        channel_id=channel.id,
        action=action,
        trigger=trigger,
        params=params,
        requested_by_id=user.id if user else None,
        status=RunStatus.QUEUED,  # the column defaults, set now: the run is readable before its insert
        attempts=0,
        progress_done=0,
        counts={},
        api_calls=0,
    )


def add_event(
    run: SyncRun,
    level: EventLevel,
    message: str,
    *,
    order: SalesOrder | None = None,
    external_order_id: int | None = None,
) -> SyncEvent:
    event = SyncEvent(
        run_id=run.id,
        channel_id=run.channel_id,
        level=level,
        message=message[:2000],
        order=order,
        external_order_id=external_order_id,
    )
    db.session.add(event)
    return event


def mark_running(run: SyncRun) -> None:
    now = utcnow()
    run.status = RunStatus.RUNNING
    run.started_at = run.started_at or now
    run.heartbeat_at = now
    run.attempts += 1
    db.session.commit()
    log.info("sync run started", extra=_run_fields(run))


def beat(run: SyncRun) -> None:
    """Called often while working; writes only when the last beat is getting old."""
    now = utcnow()
    every = _configured("SYNC_HEARTBEAT_SECONDS", HEARTBEAT_EVERY)
    if run.heartbeat_at is None or now - run.heartbeat_at >= every:
        run.heartbeat_at = now


def finish(run: SyncRun, outcome: Outcome) -> None:
    """End an attempt: write its event, then either close the run or put it back in the queue for the job's
    next attempt. A run that ends well loses the error summary an earlier attempt left."""
    now = utcnow()
    add_event(run, outcome.level, outcome.message)
    run.status = outcome.status
    run.heartbeat_at = now
    run.error_summary = outcome.message[:2000] if outcome.failed else ""
    if outcome.status.is_final:
        run.finished_at = now
    if not outcome.failed and run.progress_total is not None:
        run.progress_done = run.progress_total
    db.session.commit()
    level = logging.WARNING if outcome.failed else logging.INFO
    log.log(
        level, "sync run %s", "ended" if outcome.status.is_final else "to be retried", extra=_run_fields(run)
    )


def _run_fields(run: SyncRun) -> dict:
    return {
        "run_id": run.id,
        "channel_id": run.channel_id,
        "account_id": run.account_id,
        "action": run.action.value,
        "status": run.status.value,
        "attempt": run.attempts,
        "api_calls": run.api_calls,
    }


def sweep_stale_runs() -> int:
    """Fail runs whose worker stopped beating (killed, OOM, machine restart) or whose job never started.
    Their work is safe to redo: imports are idempotent and the watermark only moves at the end of a run."""
    now = utcnow()
    stale_after = _configured("SYNC_STALE_AFTER_SECONDS", STALE_AFTER)
    stale = db.session.scalars(
        select(SyncRun).where(
            ((SyncRun.status == RunStatus.RUNNING) & (SyncRun.heartbeat_at < now - stale_after))
            | (
                (SyncRun.status == RunStatus.QUEUED)
                & (SyncRun.created_at < now - QUEUED_TOO_LONG)
                & (SyncRun.started_at.is_(None))
            )
        )
    ).all()
    for run in stale:
        message = (
            "The worker stopped while this run was in progress (restarted or killed). Nothing imported was "
            "lost and nothing will be duplicated: run it again."
            if run.status == RunStatus.RUNNING
            else "No worker picked this run up in time; it was cancelled. Run it again."
        )
        finish(run, Outcome(RunStatus.FAILED, message, EventLevel.FATAL))
    return len(stale)


def lost_queued_runs(job_waiting: Callable[[SyncRun], bool]) -> list[SyncRun]:
    """Queued runs no job will ever pick up: Redis lost it (a restart without persistence, a flush) or it
    ended without ending its run. A run waiting for its retry is fine: its job waits in RQ's schedule.
    `job_waiting(run)` says whether the run's job is still queued, scheduled or started (the caller knows RQ).
    Each one found is kept queued (the caller enqueues it again) or, after MAX_REQUEUES, failed with a
    reason; returns them all."""
    quiet_since = utcnow() - _configured("SYNC_QUEUED_SETTLE_SECONDS", QUEUED_SETTLE)
    queued = db.session.scalars(
        select(SyncRun).where(
            SyncRun.status == RunStatus.QUEUED,
            func.coalesce(SyncRun.heartbeat_at, SyncRun.created_at) < quiet_since,
        )
    ).all()
    lost = [run for run in queued if not job_waiting(run)]
    for run in lost:
        requeues = int((run.params or {}).get("requeued", 0))
        if requeues >= MAX_REQUEUES:
            message = f"Its job was lost from the queue {requeues + 1} times; it was cancelled. Run it again."
            finish(run, Outcome(RunStatus.FAILED, message, EventLevel.FATAL))
            continue
        run.params = {**(run.params or {}), "requeued": requeues + 1}
        run.heartbeat_at = utcnow()
        add_event(
            run, EventLevel.WARNING, "Its job was lost from the queue (Redis restarted); it was queued again."
        )
    db.session.commit()
    return lost


def last_runs(channel_ids: list[int]) -> dict[tuple[int, SyncAction], SyncRun]:
    """The latest run per (channel, action), in one query: for the channel list and the section header. Each
    (channel, action) pair is a max(id) probe of the (channel_id, action, id) index: grouping every run of
    the channels read a year of runs for a few dozen rows."""
    if not channel_ids:
        return {}
    actions = union_all(*(select(literal(action.value).label("action")) for action in SyncAction)).subquery()
    pairs = (
        select(SalesChannel.id.label("channel_id"), actions.c.action)
        .join(actions, true())
        .where(SalesChannel.id.in_(channel_ids))
        .subquery("pairs")
    )
    run = aliased(SyncRun)  # the probe's own name: the outer SELECT reads sync_run too
    latest_id = (
        select(func.max(run.id))
        .where(run.channel_id == pairs.c.channel_id, run.action == pairs.c.action)
        .scalar_subquery()
    )
    return {
        (run.channel_id, run.action): run
        for run in db.session.scalars(
            select(SyncRun).where(SyncRun.id.in_(select(latest_id).select_from(pairs)))
        )
    }
