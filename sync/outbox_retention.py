"""The retention purge of the outbox and the webhook delivery log. Events older than the retention whose
deliveries are all settled (delivered or given up) go, with their deliveries, in bounded batches, one commit
each; so do settled test deliveries older than it, and deleted endpoints left without a delivery.

Never deleted: an event an endpoint still has to deliver, that is one with a pending delivery (waiting for
its turn, its retry, or a disabled endpoint's re-enable) or one a live endpoint of its account has not had its
deliveries made for yet (its `last_position` is before the event). Each account's highest purged position is
kept (`OutboxPurgeMark`): the events feed answers 410 to a cursor before it instead of a page with a silent
gap. Runs in a worker job (jobs/outbox_jobs.py), queued by the cron at most once an hour.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select

from extensions import db
from models.outbox import OutboxEvent, OutboxPurgeMark
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint


@dataclass
class PurgeOutcome:
    events: int = 0
    deliveries: int = 0
    endpoints: int = 0
    finished: bool = True  # False: out of budget, the next purge goes on


def purge(now: datetime, retention: timedelta, *, batch: int = 1000, budget: float = 60.0) -> PurgeOutcome:
    cutoff = now - retention
    outcome = PurgeOutcome()
    deadline = time.monotonic() + budget
    while _purge_event_batch(cutoff, batch, outcome, now):
        if time.monotonic() >= deadline:
            outcome.finished = False
            return outcome
    while _purge_test_deliveries(cutoff, batch, outcome):
        if time.monotonic() >= deadline:
            outcome.finished = False
            return outcome
    outcome.endpoints = db.session.execute(
        delete(WebhookEndpoint).where(
            WebhookEndpoint.deleted_at < cutoff,
            ~exists().where(WebhookDelivery.endpoint_id == WebhookEndpoint.id),
        )
    ).rowcount
    db.session.commit()
    return outcome


def _purgeable_events(cutoff: datetime, batch: int) -> list:
    pending = exists().where(
        WebhookDelivery.event_id == OutboxEvent.id, WebhookDelivery.status == DeliveryStatus.PENDING
    )
    not_fanned_out = exists().where(
        WebhookEndpoint.account_id == OutboxEvent.account_id,
        WebhookEndpoint.deleted_at.is_(None),
        WebhookEndpoint.last_position < OutboxEvent.position,
    )
    return db.session.execute(
        select(OutboxEvent.id, OutboxEvent.account_id, OutboxEvent.position)
        .where(
            OutboxEvent.position.is_not(None),
            OutboxEvent.created_at < cutoff,
            ~pending,
            ~not_fanned_out,
        )
        .order_by(OutboxEvent.position)
        .limit(batch)
    ).all()


def _purge_event_batch(cutoff: datetime, batch: int, outcome: PurgeOutcome, now: datetime) -> bool:
    """One batch, committed; False when nothing was left to purge."""
    rows = _purgeable_events(cutoff, batch)
    if not rows:
        db.session.commit()
        return False
    ids = [row.id for row in rows]
    # Settled deliveries only: a Replay that made one pending meanwhile keeps it, and its event (below).
    outcome.deliveries += db.session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.event_id.in_(ids), WebhookDelivery.status != DeliveryStatus.PENDING
        )
    ).rowcount
    outcome.events += db.session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.id.in_(ids), ~exists().where(WebhookDelivery.event_id == OutboxEvent.id)
        )
    ).rowcount
    highest: dict[int, int] = {}
    for row in rows:
        highest[row.account_id] = max(highest.get(row.account_id, 0), row.position)
    _mark(highest, now)
    db.session.commit()
    return True


def _mark(highest: dict[int, int], now: datetime) -> None:
    marks = {
        mark.account_id: mark
        for mark in db.session.scalars(
            select(OutboxPurgeMark).where(OutboxPurgeMark.account_id.in_(list(highest)))
        )
    }
    for account_id, position in highest.items():
        mark = marks.get(account_id)
        if mark is None:
            db.session.add(OutboxPurgeMark(account_id=account_id, purged_through=position, purged_at=now))
        elif position > mark.purged_through:
            mark.purged_through, mark.purged_at = position, now


def _purge_test_deliveries(cutoff: datetime, batch: int, outcome: PurgeOutcome) -> bool:
    ids = list(
        db.session.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.event_id.is_(None),
                WebhookDelivery.created_at < cutoff,
                WebhookDelivery.status != DeliveryStatus.PENDING,
            )
            .limit(batch)
        )
    )
    if ids:
        outcome.deliveries += db.session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids))
        ).rowcount
    db.session.commit()
    return bool(ids)
