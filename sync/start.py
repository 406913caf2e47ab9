"""Starting a run: the one use case behind every "run now" button, the schedule, the push job and follow-ups.

`start_run` adds a queued run (or returns the one already queued or running: never two at once) to the
caller's transaction and commits nothing. Its job is queued only after the caller commits: an after-commit
hook hands the runs started in that transaction to the dispatcher the app installed at create_app
(`install_dispatcher`: run_queue puts them on RQ), so a worker never picks up a run it cannot read yet, and
a rolled-back start queues nothing. sync itself knows nothing of RQ. When the queue cannot be reached (Redis
down), the run stays queued without a job and the cron's sweeper queues it again (sync/runs.py
`lost_queued_runs`): the commit itself never fails for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NamedTuple

from flask import current_app
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from extensions import db
from models.activity import ACTIVE_RUN, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.channels import DEFAULT_IMPORT_EVERY, SalesChannel, ScheduleStart
from models.tenancy import User
from services import audit
from sync import runs

log = logging.getLogger("techoms.sync")


class QueuedStart(NamedTuple):
    """A run started in a transaction, to be queued once it commits: its id and its action (the dispatcher
    reads the registry for the job that runs it; sync/start.py does not, so an action may start runs)."""

    run_id: int
    action: SyncAction


class StartedRun(NamedTuple):
    run: SyncRun
    created: bool  # False: the run already queued or running for this channel and action


Dispatcher = Callable[[list[QueuedStart]], None]
_DISPATCHER = "sync.run_dispatcher"  # app.extensions key
_STARTED = "sync.started_runs"  # session.info key: QueuedStart of this transaction


def install_dispatcher(app, dispatch: Dispatcher) -> None:
    """create_app: `dispatch` queues the runs a transaction started, once it committed."""
    app.extensions[_DISPATCHER] = dispatch


def start_run(
    channel: SalesChannel,
    action: SyncAction,
    trigger: SyncTrigger,
    user: User | None = None,
    *,
    in_place: bool = False,
    **params,
) -> StartedRun:
    """A new queued run of `action` on `channel` with `params`, in the caller's transaction; or the run
    already queued or running (created=False). A channel whose wizard said "later" gets its schedule switched
    on by its first import by hand. `in_place`: the caller runs it itself (through the executor), so no job
    is queued for it (if the caller dies before running it, the sweeper queues it as it would a lost job)."""
    existing = runs.active_run(channel.id, action)
    if existing is not None:
        return StartedRun(existing, False)
    _start_waiting_schedule(channel, action, trigger, user)
    run_id = _insert_unless_active(runs.new_run(channel, action, trigger, user, **params))
    if run_id is None:  # the partial unique index: another request created it a moment ago
        return StartedRun(runs.active_run(channel.id, action), False)
    run = db.session.get(SyncRun, run_id)
    if not in_place:
        db.session.info.setdefault(_STARTED, []).append(QueuedStart(run.id, action))
    log.info(
        "sync run requested",
        extra={
            "run_id": run.id,
            "channel_id": channel.id,
            "account_id": channel.account_id,
            "action": action.value,
            "trigger": trigger.value,
            "requested_by": run.requested_by_id,
        },
    )
    return StartedRun(run, True)


def _insert_unless_active(run: SyncRun) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING on the one-active-run index: the new run's id, or None when another
    run of the channel and action became active meanwhile. Losing that race raises nothing, so the caller's
    transaction goes on (a savepoint would do the same on PostgreSQL, but SQLite's driver commits on its
    release)."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {
        column.key: getattr(run, column.key)
        for column in SyncRun.__table__.columns
        if column.key != "id" and getattr(run, column.key) is not None
    }
    statement = (
        insert(SyncRun)
        .values({"created_at": utcnow(), "error_summary": "", **values})
        .on_conflict_do_nothing(index_elements=["channel_id", "action"], index_where=ACTIVE_RUN)
        .returning(SyncRun.id)
    )
    return db.session.scalar(statement)


def _start_waiting_schedule(
    channel: SalesChannel, action: SyncAction, trigger: SyncTrigger, user: User | None
) -> None:
    if action != SyncAction.IMPORT_ORDERS or channel.schedule_start != ScheduleStart.AFTER_FIRST_IMPORT:
        return
    if trigger == SyncTrigger.MANUAL and channel.import_orders_every is None:
        audit.apply_changes(channel, user, {"import_orders_every": DEFAULT_IMPORT_EVERY})
    if trigger in (SyncTrigger.MANUAL, SyncTrigger.SCHEDULED):  # scheduled: the user turned it on meanwhile
        channel.schedule_start = ScheduleStart.AT_ONCE


@event.listens_for(db.session, "after_commit")
def _queue_committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer transaction is still open
        return
    started = session.info.pop(_STARTED, None)
    if not started:
        return
    try:
        current_app.extensions[_DISPATCHER](started)
    except Exception:  # raising here would break the session; the run is saved, the sweeper queues it
        log.exception("runs %s were saved but not queued", [each.run_id for each in started])


@event.listens_for(db.session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outer transaction ended without a commit (or after it: emptied)
        session.info.pop(_STARTED, None)
