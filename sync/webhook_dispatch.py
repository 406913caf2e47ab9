"""Turn outbox events into deliveries: each endpoint (not deleted) gets one delivery per new event of its
account and of a type it chose, in commit order (`position`). Its `last_position` says how far it got; a
delivery is unique per (endpoint, event), so running this twice (a dispatcher restarted mid-way) adds nothing
twice. Commits per endpoint: this runs in the dispatcher process, outside any request or sync run."""

from __future__ import annotations

from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.outbox import OutboxEvent
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from sync.outbox_sequence import try_sequence

BATCH = 2000


def fan_out() -> int:
    """Sequence the outbox, then add the deliveries of new events; returns how many were added."""
    try_sequence()
    endpoints = db.session.execute(
        select(
            WebhookEndpoint.id,
            WebhookEndpoint.account_id,
            WebhookEndpoint.event_types,
            WebhookEndpoint.last_position,
        )
        .where(WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookEndpoint.id)
    ).all()
    added = 0
    for endpoint_id, account_id, event_types, last_position in endpoints:
        added += _fan_out_one(endpoint_id, account_id, event_types, last_position)
    return added


def _fan_out_one(endpoint_id: int, account_id: int, event_types: list[str], last_position: int) -> int:
    added = 0
    while True:
        events = db.session.execute(
            select(OutboxEvent.id, OutboxEvent.type, OutboxEvent.order_id, OutboxEvent.position)
            .where(OutboxEvent.account_id == account_id, OutboxEvent.position > last_position)
            .order_by(OutboxEvent.position)
            .limit(BATCH)
        ).all()
        if not events:
            db.session.commit()
            return added
        now = utcnow()
        wanted = [event for event in events if event.type in event_types]
        if wanted:
            db.session.execute(
                WebhookDelivery.__table__.insert(),
                [
                    {
                        "account_id": account_id,
                        "endpoint_id": endpoint_id,
                        "event_id": event.id,
                        "event_type": event.type,
                        "order_id": event.order_id,
                        "position": event.position,
                        "status": DeliveryStatus.PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "response_excerpt": "",
                        "error": "",
                        "created_at": now,
                    }
                    for event in wanted
                ],
            )
        last_position = events[-1].position
        db.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(last_position=last_position)
        )
        db.session.commit()
        added += len(wanted)


def endpoints_with_due_work() -> list[int]:
    """Live endpoints with a pending delivery whose time has come."""
    return list(
        db.session.scalars(
            select(WebhookDelivery.endpoint_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= utcnow(),
                WebhookEndpoint.enabled,
                WebhookEndpoint.deleted_at.is_(None),
            )
            .distinct()
        )
    )
