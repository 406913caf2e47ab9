"""The Webhooks screen's reads: the account's endpoints and deliveries, looked up inside the account only."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from extensions import db
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint

PER_PAGE = 50


def endpoint_of_account(account_id: int, endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.account_id == account_id
        )
    )


def delivery_of_account(account_id: int, delivery_id: int) -> WebhookDelivery | None:
    return db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.account_id == account_id
        )
    )


def endpoints_of_account(account_id: int) -> list[WebhookEndpoint]:
    """Deleted ones too (listed as deleted): their delivery log stays."""
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.account_id == account_id)
            .order_by(WebhookEndpoint.id)
        )
    )


def delivery_page(
    account_id: int, *, status: DeliveryStatus | None, event_type: str | None, page: int
) -> Pagination:
    query = select(WebhookDelivery).where(WebhookDelivery.account_id == account_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if event_type:
        query = query.where(WebhookDelivery.event_type == event_type)
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
