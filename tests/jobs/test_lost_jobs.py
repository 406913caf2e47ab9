"""The cron's sweeper and runs whose job Redis lost: queued again, or ended with a reason, never left
queued."""

from __future__ import annotations

from datetime import timedelta

from extensions import db
from jobs.cron import sweep
from models.activity import RunStatus, SyncAction, SyncEvent, SyncRun, SyncTrigger
from models.base import utcnow
from run_queue.enqueue import job_waiting
from sync import runs
from sync.start import start_run
from tests.support.sync import (
    catalog_for,
    imported_ids,
    make_store,
    redis,
    store_order_ids,
    sync_channel,
    work,
)


def _queued_and_lost(channel) -> SyncRun:
    """A run queued a while ago whose job Redis no longer has (as after a restart without persistence)."""
    run, _ = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    db.session.commit()  # queues its job
    assert job_waiting(run)
    redis().flushdb()
    assert not job_waiting(run)
    run.created_at = utcnow() - 2 * runs.QUEUED_SETTLE
    db.session.commit()
    return run


def test_a_run_whose_job_was_lost_is_queued_again_and_completes(simulator, world):
    store = make_store(simulator, seed=4, products=3, orders=8, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    run = _queued_and_lost(channel)

    assert sweep() == 1
    assert job_waiting(run)
    assert sweep() == 0  # its job waits again: nothing more to do
    work()
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.SUCCEEDED
    assert sorted(imported_ids(channel)) == sorted(store_order_ids(simulator, store))
    messages = [event.message for event in db.session.query(SyncEvent).filter_by(run_id=run.id)]
    assert any("lost from the queue" in message for message in messages)


def test_a_run_in_its_retry_wait_keeps_its_job(simulator, world):
    store = make_store(simulator, seed=4, products=3, orders=4)
    channel = sync_channel(store, world.a.account)
    run, _ = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    db.session.commit()  # queues its job
    run.created_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    assert sweep() == 0
    assert db.session.get(SyncRun, run.id).status == RunStatus.QUEUED


def test_a_fresh_queued_run_is_left_alone_before_its_enqueue(simulator, world):
    """Between the commit of a started run and the enqueue that follows it, the run has no job yet."""
    store = make_store(simulator, seed=4, products=3, orders=4)
    channel = sync_channel(store, world.a.account)
    run = runs.new_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)  # committed, not queued yet
    db.session.add(run)
    db.session.commit()
    assert sweep() == 0
    assert db.session.get(SyncRun, run.id).status == RunStatus.QUEUED


def test_a_run_lost_again_and_again_ends_with_a_reason(simulator, world):
    store = make_store(simulator, seed=4, products=3, orders=4)
    channel = sync_channel(store, world.a.account)
    run = _queued_and_lost(channel)
    for _ in range(runs.MAX_REQUEUES):
        assert sweep() == 1
        redis().flushdb()
        run.heartbeat_at = utcnow() - 2 * runs.QUEUED_SETTLE
        db.session.commit()
    assert sweep() == 1
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.FAILED and "lost from the queue" in run.error_summary
