"""Webhook endpoints for tests, and running the dispatcher and one endpoint's job in-process."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from jobs.webhook_jobs import deliver_endpoint
from models.outbox import EVENT_TYPES
from models.webhooks import WebhookDelivery, WebhookEndpoint
from services.webhooks import endpoints
from sync import webhook_dispatch as dispatch


def make_endpoint(account, url: str = "https://hooks.example.com/techoms", types=EVENT_TYPES):
    endpoint, secret = endpoints.create_endpoint(account, url, list(types))
    db.session.commit()
    return endpoint, secret


def deliver(endpoint: WebhookEndpoint) -> str:
    """What the dispatcher process and the endpoint's job do, at once."""
    dispatch.fan_out()
    result = deliver_endpoint(endpoint.id)
    db.session.expire_all()
    return result


def deliveries(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    db.session.expire_all()
    return sorted(
        db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)),
        key=lambda d: d.id,
    )
