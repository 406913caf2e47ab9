"""Send an endpoint's due deliveries: signed, in commit order, and in order per order.

A delivery that fails waits for its retry (exponential backoff from the policy's base, at most its maximum
apart) and holds back the later deliveries of the same order: only the first pending delivery of an order is
ever sent, so a receiver never sees an order's events out of order. After the policy's window of failures a
delivery is given up (FAILED; Replay sends it again) and the order's later events go on. An endpoint without
a single success for the window is disabled, with an account-level alert (its deliveries wait until a user
enables it again). The heads of different orders go out a few at a time (`parallel` requests in flight, one
per order at most), and each such chunk is committed right after its answers: a worker killed in between
sends them again later (at least once; the event id lets the receiver drop the repeat).
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from connectors import signed_webhooks
from extensions import db
from models.base import utcnow
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from services import outbox
from services.alerts import webhook_endpoints as endpoint_alerts
from services.webhooks.endpoints import signing_secrets

log = logging.getLogger("techoms.webhooks")
BATCH = 200
IDLE_WAIT = 0.2  # seconds between passes when every pending delivery waits for its retry


@dataclass(frozen=True)
class RetryPolicy:
    base: timedelta = timedelta(seconds=30)
    maximum: timedelta = timedelta(hours=1)
    window: timedelta = timedelta(hours=24)

    def delay(self, attempts: int) -> timedelta:
        """Before attempt `attempts + 1`: base, 2 x base, 4 x base ... capped at `maximum`."""
        return min(self.base * (2 ** min(max(attempts - 1, 0), 30)), self.maximum)


@dataclass
class Outcome:
    delivered: int = 0
    failed: int = 0
    given_up: int = 0
    disabled: bool = False
    alert_id: int | None = None  # the alert made when it disabled the endpoint (the job queues its sending)


def payload(delivery: WebhookDelivery) -> bytes:
    body = delivery.test_payload if delivery.event is None else outbox.event_json(delivery.event)
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def headers(delivery: WebhookDelivery, body: bytes, now: datetime) -> dict[str, str]:
    event_id = (
        (delivery.test_payload or {}).get("id") if delivery.event is None else f"evt_{delivery.event_id}"
    )
    stamp = int(now.timestamp())
    return {
        signed_webhooks.SIGNATURE_HEADER: signed_webhooks.signature_header(
            signing_secrets(delivery.endpoint, now), stamp, body
        ),
        "TechOMS-Event-Id": str(event_id),
        "TechOMS-Event-Type": delivery.event_type,
        "TechOMS-Delivery-Id": str(delivery.id),
    }


def _heads_due(endpoint_id: int) -> list[Row]:
    """Due pending deliveries that head their order: the lowest position among the order's pending ones. In
    order per order is thus the query's rule, and a held order costs nothing. (A correlated min, one probe
    of the partial index per row: an anti-join lets PostgreSQL pick a nested scan on a fresh table.)"""
    earlier = aliased(WebhookDelivery)
    first_pending = (
        select(func.min(earlier.position))
        .where(
            earlier.endpoint_id == WebhookDelivery.endpoint_id,
            earlier.order_id == WebhookDelivery.order_id,
            earlier.status == DeliveryStatus.PENDING,
        )
        .scalar_subquery()
    )
    return list(
        db.session.execute(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= utcnow(),
                or_(WebhookDelivery.order_id.is_(None), WebhookDelivery.position == first_pending),
            )
            .order_by(WebhookDelivery.position, WebhookDelivery.id)
            .limit(BATCH)
        )
    )


def _next_due(endpoint_id: int) -> datetime | None:
    return db.session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at)).where(
            WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == DeliveryStatus.PENDING
        )
    )


def send_due(
    endpoint_id: int,
    policy: RetryPolicy,
    *,
    route_to: str | None = None,
    budget: float = 20.0,
    parallel: int = 1,
) -> Outcome:
    """Send the endpoint's due deliveries, batch after batch, for up to `budget` seconds; while the next
    retry is due within the budget the job waits for it (a warm job beats a new one per retry). Up to
    `parallel` requests are in flight at once, each the head of a different order (or of no order), so an
    order's events still go one after another."""
    outcome = Outcome()
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.is_live:
        return outcome
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        heads = _heads_due(endpoint_id)
        if not heads:
            next_due = _next_due(endpoint_id)
            wait = (next_due - utcnow()).total_seconds() if next_due is not None else None
            if wait is None or wait > deadline - time.monotonic():
                return outcome  # nothing pending, or not within this job: the dispatcher queues another
            db.session.commit()  # end the read transaction: the next look sees new deliveries too
            time.sleep(max(min(wait, IDLE_WAIT), 0))
            continue
        for chunk in range(0, len(heads), parallel):
            answered = _send_chunk(endpoint, heads[chunk : chunk + parallel], policy, route_to, outcome)
            if outcome.disabled or not answered or time.monotonic() >= deadline:
                return outcome  # disabled, unreachable (a later job tries again), or out of time
    return outcome


def _send_chunk(
    endpoint: WebhookEndpoint,
    heads: list[Row],
    policy: RetryPolicy,
    route_to: str | None,
    outcome: Outcome,
) -> bool:
    """POST the heads at once (threads do the HTTP only), record each answer, commit once. True when every
    endpoint answered (whatever it answered). A worker killed before the commit sends these again (at least
    once: at most a chunk of repeats, each with its event id)."""
    now = utcnow()
    deliveries = []
    for head in heads:
        delivery = db.session.get(
            WebhookDelivery, head.id, options=[joinedload(WebhookDelivery.event)], populate_existing=True
        )
        if delivery is not None and delivery.status == DeliveryStatus.PENDING:
            deliveries.append(delivery)  # else replayed or deleted meanwhile
    if not deliveries:
        return True
    posts = []
    for delivery in deliveries:
        body = payload(delivery)
        posts.append((endpoint.url, body, headers(delivery, body, now)))
    if len(posts) == 1:
        answers = [signed_webhooks.post(*posts[0], route_to=route_to)]
    else:
        with ThreadPoolExecutor(max_workers=len(posts)) as pool:
            answers = list(pool.map(lambda post: signed_webhooks.post(*post, route_to=route_to), posts))
    for delivery, answer in zip(deliveries, answers, strict=True):
        _record(endpoint, delivery, answer, policy, now, outcome)
    db.session.commit()
    return all(answer.status is not None for answer in answers)


def _record(
    endpoint: WebhookEndpoint,
    delivery: WebhookDelivery,
    answer: signed_webhooks.Answer,
    policy: RetryPolicy,
    now: datetime,
    outcome: Outcome,
) -> None:
    delivery.attempts += 1
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_attempt_at = now
    delivery.response_status = answer.status
    delivery.response_excerpt = answer.excerpt
    delivery.error = answer.error
    if answer.delivered:
        delivery.status = DeliveryStatus.DELIVERED
        endpoint.failing_since = None
        outcome.delivered += 1
        return
    outcome.failed += 1
    endpoint.failing_since = endpoint.failing_since or now
    if now - delivery.first_attempt_at >= policy.window:
        delivery.status = DeliveryStatus.FAILED
        outcome.given_up += 1
    else:
        delivery.next_attempt_at = now + policy.delay(delivery.attempts)
    if endpoint.enabled and now - endpoint.failing_since >= policy.window:
        _disable(endpoint, answer, policy, now, outcome)


def _disable(
    endpoint: WebhookEndpoint,
    answer: signed_webhooks.Answer,
    policy: RetryPolicy,
    now: datetime,
    outcome: Outcome,
) -> None:
    endpoint.enabled = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = (
        f"Disabled on {now:%Y-%m-%d %H:%M} UTC: no delivery succeeded for "
        f"{policy.window.total_seconds() / 3600:g} hours ({answer.error or 'no answer'})."
    )
    outcome.disabled = True
    outcome.alert_id = endpoint_alerts.endpoint_disabled(endpoint, now).id
    log.warning(
        "webhook endpoint %s of account %s disabled: failing since %s",
        endpoint.id,
        endpoint.account_id,
        endpoint.failing_since.isoformat(),
    )
