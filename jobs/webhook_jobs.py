"""RQ entry points of event webhooks, and `python -m jobs.webhook_jobs`: the dispatcher process.

The dispatcher turns new outbox events into deliveries and queues one `deliver_endpoint` job per endpoint
with due work (run_queue/webhook_deliveries.py: one waiting per endpoint at a time). The job sends under a
per-endpoint lock, so an endpoint's deliveries go out one after another, in order. Jobs take the endpoint id
only, never a URL or a secret. Nothing here runs in a web request or a sync run: a slow or dead receiver
slows only these jobs.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta

from flask import current_app

from extensions import db, redis_client
from jobs.sync_jobs import with_app_context
from run_queue.alerts import enqueue_alert
from run_queue.redis_ready import wait_until_reachable
from run_queue.webhook_deliveries import LOCK_KEY, LOCK_TTL, QUEUED_KEY, enqueue_delivery
from sync import webhook_dispatch as dispatch
from sync.webhook_sending import RetryPolicy, send_due

log = logging.getLogger("techoms.webhooks")
SEND_BUDGET = 20.0  # seconds one job sends before it leaves the rest to the next one (< LOCK_TTL)
DISPATCHER_LOCK = "webhook:dispatcher"


def policy() -> RetryPolicy:
    config = current_app.config
    return RetryPolicy(
        base=timedelta(seconds=config["WEBHOOK_RETRY_BASE_SECONDS"]),
        maximum=timedelta(seconds=config["WEBHOOK_RETRY_MAX_SECONDS"]),
        window=timedelta(hours=config["WEBHOOK_RETRY_WINDOW_HOURS"]),
    )


@with_app_context
def deliver_endpoint(endpoint_id: int) -> str:
    redis = redis_client()
    redis.delete(QUEUED_KEY.format(endpoint_id=endpoint_id))
    lock = redis.lock(LOCK_KEY.format(endpoint_id=endpoint_id), timeout=LOCK_TTL)
    if not lock.acquire(blocking=False):
        return "another job is sending for this endpoint"
    try:
        outcome = send_due(
            endpoint_id,
            policy(),
            route_to=current_app.config["WEBHOOK_ROUTE_TO"],
            budget=SEND_BUDGET,
            parallel=current_app.config["WEBHOOK_PARALLEL_SENDS"],
        )
    finally:
        try:
            lock.release()
        except Exception:  # noqa: BLE001  expired: a later job already took over
            log.info("webhook lock of endpoint %s expired before release", endpoint_id)
    if outcome.alert_id is not None:  # committed with the disable
        enqueue_alert(outcome.alert_id)
    return f"{outcome.delivered} delivered, {outcome.failed} failed, {outcome.given_up} given up"


def dispatch_once() -> int:
    """Deliveries for new events, and a job for each endpoint with due work. Returns the jobs queued."""
    dispatch.fan_out()
    queued = sum(enqueue_delivery(endpoint_id) for endpoint_id in dispatch.endpoints_with_due_work())
    db.session.commit()
    return queued


def main() -> None:
    from app import create_app

    app = create_app()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    every = app.config["WEBHOOK_DISPATCH_SECONDS"]
    with app.app_context():
        redis = redis_client()
    wait_until_reachable(redis)
    # One dispatcher at a time: a second process started by mistake waits (deliveries are unique anyway).
    lock = redis.lock(DISPATCHER_LOCK, timeout=max(30, every * 10))
    while not stop.is_set():
        if not (lock.acquire(blocking=False) or lock.owned()):
            stop.wait(every)
            continue
        lock.extend(max(30, every * 10), replace_ttl=True)
        with app.app_context():
            try:
                dispatch_once()
            except Exception:  # one bad turn must not stop the deliveries
                log.exception("webhook dispatch failed")
            finally:
                db.session.remove()
        stop.wait(every)


if __name__ == "__main__":
    main()
