"""Send an endpoint's due deliveries: signed, in commit order, and in order per order.

A delivery that fails waits for its retry (exponential backoff from RETRY_BASE, at most RETRY_MAX apart) and
holds back the later deliveries of the same order, so a receiver never sees an order's events out of order.
After RETRY_WINDOW of failures it is given up (FAILED; Replay sends it again) and the order's later events go
on. An endpoint that has not had a single success for RETRY_WINDOW is disabled (its deliveries wait until a
user enables it again). Each delivery is committed right after its answer: a worker killed in between sends
it again later (at least once; the event id lets the receiver drop the repeat).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.orm import joinedload

from connectors import signed_webhooks
from extensions import db
from models.base import utcnow
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from services import outbox
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
    held_orders: set[int] = field(default_factory=set)


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


def _due(endpoint_id: int, after: tuple[int, int]) -> list[Row]:
    """The next pending deliveries after (position, id), in that order, as plain rows: ORM objects would be
    expired by each delivery's commit and read again one by one."""
    position, delivery_id = after
    return list(
        db.session.execute(
            select(
                WebhookDelivery.id,
                WebhookDelivery.position,
                WebhookDelivery.order_id,
                WebhookDelivery.next_attempt_at,
            )
            .where(
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
                or_(
                    WebhookDelivery.position > position,
                    and_(WebhookDelivery.position == position, WebhookDelivery.id > delivery_id),
                ),
            )
            .order_by(WebhookDelivery.position, WebhookDelivery.id)
            .limit(BATCH)
        )
    )


def send_due(
    endpoint_id: int, policy: RetryPolicy, *, route_to: str | None = None, budget: float = 20.0
) -> Outcome:
    """Walk the endpoint's pending deliveries in order, pass after pass while some are pending (waiting for
    their retry, or new ones), for up to `budget` seconds: a warm job beats a new one per retry."""
    outcome = Outcome()
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.is_live:
        return outcome
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        before = outcome.delivered + outcome.failed
        outcome.held_orders = set()
        next_due, stop = _one_pass(endpoint, policy, route_to, outcome, deadline)
        if stop or next_due is None:
            return outcome
        if outcome.delivered + outcome.failed == before:  # everything waits for its retry
            wait = (next_due - utcnow()).total_seconds()
            if wait > deadline - time.monotonic():
                return outcome  # not within this job: the dispatcher queues another when it is due
            db.session.commit()  # end the read transaction: the next pass sees new deliveries too
            time.sleep(max(min(wait, IDLE_WAIT), 0))
    return outcome


def _one_pass(
    endpoint: WebhookEndpoint, policy: RetryPolicy, route_to: str | None, outcome: Outcome, deadline: float
) -> tuple[datetime | None, bool]:
    """One walk over the pending deliveries: (when the earliest still pending is due, whether to stop)."""
    next_due: datetime | None = None
    pending = _due(endpoint.id, (-1, 0))
    while pending:
        for row in pending:
            if row.order_id is not None and row.order_id in outcome.held_orders:
                continue  # an earlier event of this order has not gone through yet
            if row.next_attempt_at > utcnow():
                _hold(outcome, row)
                next_due = min(next_due or row.next_attempt_at, row.next_attempt_at)
                continue
            delivery = db.session.get(
                WebhookDelivery, row.id, options=[joinedload(WebhookDelivery.event)], populate_existing=True
            )
            if delivery is None or delivery.status != DeliveryStatus.PENDING:
                continue  # replayed, or taken by a job whose lock lapsed
            answered = _attempt(endpoint, delivery, policy, route_to, outcome)
            if outcome.disabled or not answered or time.monotonic() >= deadline:
                return next_due, True  # disabled, unreachable (a later job tries again), or out of time
            if delivery.status == DeliveryStatus.PENDING:
                next_due = min(next_due or delivery.next_attempt_at, delivery.next_attempt_at)
        last = pending[-1]
        pending = _due(endpoint.id, (last.position, last.id)) if len(pending) == BATCH else []
    return next_due, False


def _hold(outcome: Outcome, delivery: WebhookDelivery | Row) -> None:
    if delivery.order_id is not None:
        outcome.held_orders.add(delivery.order_id)


def _attempt(
    endpoint: WebhookEndpoint,
    delivery: WebhookDelivery,
    policy: RetryPolicy,
    route_to: str | None,
    outcome: Outcome,
) -> bool:
    """One POST; True when the endpoint answered (whatever it answered)."""
    now = utcnow()
    body = payload(delivery)
    answer = signed_webhooks.post(endpoint.url, body, headers(delivery, body, now), route_to=route_to)
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
        db.session.commit()
        return True
    outcome.failed += 1
    endpoint.failing_since = endpoint.failing_since or now
    if now - delivery.first_attempt_at >= policy.window:
        delivery.status = DeliveryStatus.FAILED
        outcome.given_up += 1
    else:
        delivery.next_attempt_at = now + policy.delay(delivery.attempts)
        _hold(outcome, delivery)
    if now - endpoint.failing_since >= policy.window:
        endpoint.enabled = False
        endpoint.disabled_reason = (
            f"Disabled on {now:%Y-%m-%d %H:%M} UTC: no delivery succeeded for "
            f"{policy.window.total_seconds() / 3600:g} hours ({answer.error or 'no answer'})."
        )
        outcome.disabled = True
        log.warning(
            "webhook endpoint %s of account %s disabled: failing since %s",
            endpoint.id,
            endpoint.account_id,
            endpoint.failing_since.isoformat(),
        )
    db.session.commit()
    return answer.status is not None
