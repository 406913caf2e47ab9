"""start_run: one run per channel and action, nothing committed behind the caller, and the job queued only
once the caller's transaction commits (real database, real Redis, real RQ queue)."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from run_queue.enqueue import job_id, run_job_id, sync_queue
from sync import actions
from sync.start import start_run


def queued_job_ids() -> set[str]:
    return set(sync_queue().job_ids)


def test_the_run_is_queued_only_after_the_callers_commit(world):
    channel = world.a.channel
    run, created = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL, created_from="2026-01-01")
    assert created and run.status == RunStatus.QUEUED and run.params == {"created_from": "2026-01-01"}
    assert job_id(run) not in queued_job_ids()  # nothing queued while the transaction is open
    db.session.commit()
    assert job_id(run) in queued_job_ids()


def test_a_rolled_back_start_leaves_no_run_and_no_job(world):
    channel = world.a.channel
    run, created = start_run(channel, SyncAction.EXPORT_SHIPMENTS, SyncTrigger.MANUAL)
    assert created
    started_id = run.id
    db.session.rollback()  # start_run committed nothing: the caller's rollback undoes it
    assert db.session.get(SyncRun, started_id) is None
    db.session.commit()  # a later commit does not queue the forgotten run
    assert run_job_id(started_id) not in queued_job_ids()


def test_a_second_start_returns_the_active_run(world):
    channel = world.a.channel
    first, created = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    db.session.commit()
    second, created_again = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.SCHEDULED)
    db.session.commit()
    assert created and not created_again and second.id == first.id
    assert len(db.session.scalars(select(SyncRun).where(SyncRun.channel_id == channel.id)).all()) == 1


def test_an_action_run_inside_another_job_is_never_queued(world):
    run, created = start_run(world.a.channel, SyncAction.IMPORT_PUSHED, SyncTrigger.PUSH)
    db.session.commit()
    assert created and actions.of(SyncAction.IMPORT_PUSHED).job is None
    assert job_id(run) not in queued_job_ids()


def test_a_purge_is_queued_without_store_outage_retries(world):
    run, _ = start_run(world.a.channel, SyncAction.PURGE_PII, SyncTrigger.MANUAL)
    db.session.commit()
    job = next(job for job in sync_queue().jobs if job.id == job_id(run))
    assert job.retries_left in (None, 0)
