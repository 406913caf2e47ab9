"""An account's webhook endpoints: create (the secret is returned once), rotate the secret with an overlap,
disable by hand and enable, delete (the delivery log stays), send a test event, replay a delivery. Never
commits."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from connectors.webhooks import normalise_webhook_url
from extensions import db
from models.base import utcnow
from models.outbox import EVENT_TYPES, OutboxEvent
from models.tenancy import Account
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from services.channels import token_vault

SECRET_PREFIX = "whsec_"  # noqa: S105  a prefix that names the kind of value, not a secret
ROTATION_OVERLAP = timedelta(hours=24)
MAX_ENDPOINTS = 10


class EndpointRefused(ValueError):
    """Why an endpoint cannot be saved; the message can be shown."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def check_types(event_types: list[str]) -> list[str]:
    chosen = [event_type for event_type in EVENT_TYPES if event_type in set(event_types)]
    if not chosen or len(chosen) != len(set(event_types)):
        raise EndpointRefused("Choose at least one event type from the list.")
    return chosen


def live_endpoints(account_id: int) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.account_id == account_id, WebhookEndpoint.deleted_at.is_(None))
            .order_by(WebhookEndpoint.id)
        )
    )


def create_endpoint(account: Account, url: str, event_types: list[str]) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (shown once). Events from now on are delivered to it."""
    if len(live_endpoints(account.id)) >= MAX_ENDPOINTS:
        raise EndpointRefused(f"An account has at most {MAX_ENDPOINTS} webhook endpoints.")
    secret = new_secret()
    newest = db.session.scalar(select(func.coalesce(func.max(OutboxEvent.position), 0)))
    endpoint = WebhookEndpoint(
        account_id=account.id,
        url=normalise_webhook_url(url),
        event_types=check_types(event_types),
        secret_ciphertext=token_vault.encrypt(secret),
        last_position=newest,
        enabled=True,
        disabled_reason="",
    )
    db.session.add(endpoint)
    return endpoint, secret


def rotate_secret(endpoint: WebhookEndpoint, now: datetime | None = None) -> str:
    """A new secret (shown once); the current one keeps signing too for ROTATION_OVERLAP."""
    now = now or utcnow()
    secret = new_secret()
    endpoint.previous_secret_ciphertext = endpoint.secret_ciphertext
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret_ciphertext = token_vault.encrypt(secret)
    return secret


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, and the previous one while its overlap lasts."""
    found = [token_vault.decrypt(endpoint.secret_ciphertext)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_ciphertext and expires is not None and expires > now:
        found.append(token_vault.decrypt(endpoint.previous_secret_ciphertext))
    return found


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    """No more deliveries; the log stays (the row is kept, marked deleted)."""
    endpoint.deleted_at = utcnow()
    endpoint.enabled = False
    for delivery in db.session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.PENDING
        )
    ):
        delivery.status = DeliveryStatus.FAILED
        delivery.error = "Not sent: the endpoint was deleted."


def disable_by_hand(endpoint: WebhookEndpoint, who: str, now: datetime | None = None) -> None:
    """A pause asked for by a person (no alert): deliveries wait, like after an automatic disable."""
    now = now or utcnow()
    endpoint.enabled = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = f"Disabled by {who}."


def enable(endpoint: WebhookEndpoint) -> None:
    endpoint.enabled = True
    endpoint.disabled_reason = ""
    endpoint.disabled_at = None
    endpoint.failing_since = None


def send_test_event(endpoint: WebhookEndpoint) -> WebhookDelivery:
    now = utcnow()
    delivery = WebhookDelivery(
        account_id=endpoint.account_id,
        endpoint_id=endpoint.id,
        event_id=None,
        event_type="test",
        position=0,
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        test_payload={
            "id": f"evt_test_{secrets.token_hex(6)}",
            "type": "test",
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "object": None,
            "data": {"message": "A test event from techOMS: your endpoint is reachable and verifies it."},
        },
    )
    db.session.add(delivery)
    return delivery


def replay(delivery: WebhookDelivery) -> bool:
    """Send it again (it keeps its event id, so a receiver that de-duplicates ignores a repeat it handled)."""
    if delivery.endpoint.deleted_at is not None:
        return False
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = utcnow()
    delivery.first_attempt_at = None
    delivery.error = ""
    return True
