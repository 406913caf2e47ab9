"""`python -m jobs.cron`: the one cron process. Once a minute it fails runs whose worker died and queues again
those whose job Redis lost (sweeper), and enqueues the scheduled syncs that are due (and each channel's daily
PII retention purge, and once an hour the outbox and webhook log retention purge); workers run them. It
also compares each channel's health with the last alerted one and queues an alert per change. Each tick
leaves a heartbeat in Redis (services/cron_heartbeat.py) that `/readyz/cron` and `/metrics` read. On
SIGTERM it finishes its tick and releases its lock.

Why not `rq cron`: RQ 3's CronScheduler enqueues with the pickle serializer, which our JSON-only queue (and
the rule that Redis must never be able to run code in a worker) refuses. A lock in Redis keeps a second cron
process, started by mistake, from doubling the schedule."""

from __future__ import annotations

import logging
import os
import signal
import threading

from flask import Flask
from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

from app import create_app
from extensions import db
from jobs.alert_jobs import evaluate_alerts
from jobs.publish_jobs import enqueue_due_publishes
from models.activity import RunStatus, SyncTrigger
from models.base import utcnow
from models.channels import SalesChannel
from run_queue.enqueue import enqueue_run, job_waiting
from run_queue.outbox_purge import enqueue_outbox_purge
from services import cron_heartbeat
from sync import push_drain, runs, schedule
from sync.executor import execute_run
from sync.start import start_run

log = logging.getLogger("techoms.cron")
TICK_SECONDS = 60
PUBLISH_TICK_SECONDS = 5  # due inventory publishes are looked for this often (published within a minute)
LOCK_NAME = "techoms:cron:lock"


def tick() -> None:
    swept = sweep()
    started = start_scheduled_runs()
    import_waiting_pushes()
    alerts = evaluate_alerts()
    enqueue_outbox_purge()  # once an hour: the outbox and webhook log past their retention
    if swept or started or alerts:
        log.info(
            "cron: %d stale or lost run(s) swept, %d scheduled run(s) enqueued, %d alert(s) queued",
            swept,
            started,
            alerts,
        )


def sweep() -> int:
    """Fail runs whose worker died, and queue again the runs whose job Redis lost (a restart without
    persistence, a flush): without this they would wait in "queued" for ever. Returns how many it handled."""
    failed = runs.sweep_stale_runs()
    lost = runs.lost_queued_runs(job_waiting)
    for run in lost:
        if run.status == RunStatus.QUEUED:  # the others ended: lost too often
            enqueue_run(run)
    return failed + len(lost)


def start_scheduled_runs() -> int:
    """A scheduled run for every channel and action that is due (sync/schedule.py), each committed (and so
    queued) on its own. Returns how many were started."""
    started = 0
    for channel, action in schedule.due_runs(utcnow()):
        started += start_run(channel, action, SyncTrigger.SCHEDULED).created
        db.session.commit()
    return started


def import_waiting_pushes() -> int:
    """Pushes still waiting (their job was lost, or failed): drained again, in this process (no store calls,
    usually nothing to do). Returns the channels."""
    channels = push_drain.waiting_channels()
    for channel_id in channels:
        push_drain.drain(db.session.get(SalesChannel, channel_id), execute_run)
    return len(channels)


def main() -> None:
    os.environ.setdefault("DATABASE_APPLICATION_NAME", "techoms-cron")
    app = create_app()  # also sets up the JSON log lines
    redis: Redis = app.extensions["redis"]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lock = redis.lock(LOCK_NAME, timeout=TICK_SECONDS * 3)
    while not stop.is_set():
        tick_if_leader(app, redis, lock)
        for _ in range(TICK_SECONDS // PUBLISH_TICK_SECONDS):
            if stop.wait(PUBLISH_TICK_SECONDS):
                break
            publish_if_leader(app, lock)
    release(lock)


def release(lock: Lock) -> None:
    """On SIGTERM/SIGINT: give the lock up, so the cron that replaces this one ticks at once instead of
    waiting up to 3 minutes for the lock to expire."""
    try:
        if lock.owned():
            lock.release()
            log.info("cron: stopped, lock released")
    except (LockError, RedisError):  # expired meanwhile, or Redis gone: it expires on its own
        log.warning("cron: stopped, the lock could not be released (it expires on its own)")


def tick_if_leader(app: Flask, redis: Redis, lock: Lock) -> bool:
    """One turn of the loop: tick if this process holds the lock, then leave the heartbeat readiness reads
    (the process holding the lock is alive and ticking; a failed tick is logged)."""
    if not (lock.acquire(blocking=False) or lock.owned()):
        return False
    lock.extend(TICK_SECONDS * 3, replace_ttl=True)
    with app.app_context():
        try:
            tick()
        except Exception:  # one bad minute must not stop the schedule
            log.exception("cron tick failed")
    cron_heartbeat.beat(redis, utcnow())
    return True


def publish_if_leader(app: Flask, lock: Lock) -> None:
    """Between ticks: the inventory exports changes made due (jobs/publish_jobs.py), by the lock's holder."""
    if not lock.owned():
        return
    with app.app_context():
        try:
            enqueue_due_publishes()
        except Exception:
            log.exception("due inventory publishes failed")


if __name__ == "__main__":
    main()
