"""Queueing an endpoint's delivery job (jobs/webhook_jobs.py deliver_endpoint): the endpoint id only, never a
URL or a secret. One job waits per endpoint at a time (a Redis mark the job clears when it starts, expiring
should the job be lost with a killed worker), and none is queued while a job holds the endpoint's sending
lock: that job takes what is due."""

from __future__ import annotations

from extensions import redis_client
from run_queue.enqueue import enqueue_unless_marked

QUEUED_KEY = "webhook:queued:{endpoint_id}"
LOCK_KEY = "webhook:sending:{endpoint_id}"
QUEUED_TTL = 30  # a job lost with its worker is replaced after this
LOCK_TTL = 30  # more than a job's sending budget plus one request's timeouts; a killed job's lock lapses soon


def enqueue_delivery(endpoint_id: int) -> bool:
    """True when a job was queued."""
    if redis_client().exists(LOCK_KEY.format(endpoint_id=endpoint_id)):
        return False
    return enqueue_unless_marked(
        QUEUED_KEY.format(endpoint_id=endpoint_id),
        QUEUED_TTL,
        "jobs.webhook_jobs.deliver_endpoint",
        args=(endpoint_id,),
        job_timeout=LOCK_TTL,
        result_ttl=60,
        description=f"webhooks of endpoint {endpoint_id}",
    )
