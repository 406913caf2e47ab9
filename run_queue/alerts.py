"""Queueing the sending of one alert (jobs/alert_jobs.py send_alert): the alert's id only, retried at the
sync retry intervals; one job per alert (its id is the job's)."""

from __future__ import annotations

from flask import current_app
from rq import Retry

from run_queue.enqueue import FAILURE_TTL, RESULT_TTL, sync_queue


def enqueue_alert(alert_id: int) -> None:
    intervals = current_app.config["SYNC_RETRY_INTERVALS"]
    sync_queue().enqueue(
        "jobs.alert_jobs.send_alert",
        args=(alert_id,),
        job_id=f"alert-{alert_id}",
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
        description=f"alert {alert_id}",
    )
