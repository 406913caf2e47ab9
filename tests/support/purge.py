"""Helpers for the PII retention purge's tests: closed orders with customer data, a purge run through the real
RQ worker, and the whole database as text (to search it for a customer's data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, select, text

from extensions import db
from jobs.enqueue import enqueue_run
from models.activity import SyncAction, SyncRun, SyncTrigger
from models.orders import OrderStatus, SalesOrder
from sync import runs
from tests.support.orders import SHIPPING, make_order
from tests.support.sync import work

BILLING = {**SHIPPING, "kind": "billing", "company": "Doe Holdings", "line2": "Suite 5"}


def closed_order(channel, closed_at: datetime, number: str = "", *, status=OrderStatus.SHIPPED, **fields):
    """A shipped (or cancelled) order with customer data, both addresses, closed at `closed_at`."""
    return make_order(
        channel, number, status=status, closed_at=closed_at, addresses=[SHIPPING, BILLING], **fields
    )


def purge_now(channel, *, trigger=SyncTrigger.MANUAL, user=None) -> SyncRun:
    """Queue a purge run and let a real RQ worker run it."""
    run, created = runs.request_run(channel, SyncAction.PURGE_PII, trigger, user=user)
    assert created, "a purge was already active"
    enqueue_run(run)
    work()
    return db.session.get(SyncRun, run.id)


def purged_ids(channel) -> set[int]:
    db.session.expire_all()
    return set(
        db.session.scalars(
            select(SalesOrder.id).where(
                SalesOrder.channel_id == channel.id, SalesOrder.pii_purged_at.is_not(None)
            )
        )
    )


def database_text() -> str:
    """Every row of every table as text: SQLite's dump (iterdump), or on PostgreSQL every text column of
    every table of the schema (information_schema, so tables the models do not know are searched too)."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        return "\n".join(connection.connection.driver_connection.iterdump())
    columns = connection.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
        )
    ).all()
    chunks = []
    for table, column in columns:
        values = connection.execute(text(f'SELECT "{column}"::text FROM "{table}"')).scalars()  # noqa: S608
        chunks.extend(value for value in values if value)
    return "\n".join(chunks)


def text_columns_of(model) -> list[str]:
    return [c.name for c in model.__table__.columns if isinstance(c.type, String | Text)]
