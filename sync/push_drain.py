"""The push job's work: drain a channel's received payloads, one "import_pushed" run after another, in the
job itself (sync/import_pushed.py is the action). A run of another worker already active takes them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from extensions import db
from models.activity import RunStatus, SyncAction, SyncTrigger
from models.channels import SalesChannel
from models.order_push import PushedOrder, PushState
from sync.start import start_run

MAX_RUNS = 20  # runs one job starts before it leaves the rest to the next push or the cron's look


# The executor (sync/executor.execute_run), given by the caller: it runs every action, this one included, so
# importing it here would close a cycle through the registry (the inventory export drains pushes first).
Execute = Callable[[int], RunStatus]


def drain_payload(payload_id: int, execute: Execute) -> RunStatus | None:
    """The job of one stored push: drains its channel (its own payload may have been taken by an earlier
    run, but pushes stored after that one queued no job of their own). None when there was nothing to do."""
    pushed = db.session.get(PushedOrder, payload_id)
    if pushed is None:
        return None
    return drain(db.session.get(SalesChannel, pushed.channel_id), execute)


def channel_of(payload_id: int) -> int | None:
    return db.session.scalar(select(PushedOrder.channel_id).where(PushedOrder.id == payload_id))


def drain(channel: SalesChannel, execute: Execute) -> RunStatus | None:
    """Runs until no received payload is left, or another worker's run is active (it takes them)."""
    status = None
    for _ in range(MAX_RUNS):
        if channel.deleted_at is not None or not _waiting(channel.id):
            return status
        run, created = start_run(channel, SyncAction.IMPORT_PUSHED, SyncTrigger.PUSH)
        db.session.commit()  # the registry queues no job for it: it runs here
        if not created:
            return status
        status = execute(run.id)
        if status == RunStatus.FAILED:
            return status
    return status


def waiting_channels() -> list[int]:
    """Channels with payloads still received: the cron's look, for jobs lost on the way."""
    return list(
        db.session.scalars(
            select(PushedOrder.channel_id).where(PushedOrder.state == PushState.RECEIVED).distinct()
        )
    )


def _waiting(channel_id: int) -> bool:
    return (
        db.session.scalar(
            select(PushedOrder.id)
            .where(PushedOrder.channel_id == channel_id, PushedOrder.state == PushState.RECEIVED)
            .limit(1)
        )
        is not None
    )
