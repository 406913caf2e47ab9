"""Cutting a due order's customer data out of the free text that copied it: sync event messages, pending
orders' reasons, audit rows about the order and manual-logging API captures (`services/privacy.py` says which
columns). The order's own values (names, e-mails, phones, company, street lines) and any e-mail address are
replaced by a marker; the rest of the text stays. No commit: the purge owns the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, and_, bindparam, func, or_, select, union, update
from sqlalchemy.engine import Row

from extensions import db
from models.activity import ApiCallLog, PendingOrder, SyncEvent
from models.channels import AuditEvent
from models.orders import OrderAddress, SalesOrder
from services.privacy import Batch, Handling, columns, due

REMOVED = "[removed]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# How a capture names an order: the path of a call about it, or its id in a listing or an order body.
_ORDER_REFERENCE = re.compile(r'/orders/(\d+)|"order_id"\s*:\s*"?(\d+)')
_R, _S = Handling.REMOVE, Handling.SCRUB


def scrub(text: str, values: Iterable[str]) -> str:
    """`text` without the given values (whole words, any case) and without any e-mail address."""
    if not text:
        return text
    wanted = sorted({value.strip() for value in values if value and value.strip()}, key=len, reverse=True)
    if wanted:
        pattern = "|".join(rf"(?<!\w){re.escape(value)}(?!\w)" for value in wanted)
        text = re.sub(pattern, REMOVED, text, flags=re.IGNORECASE)
    return _EMAIL.sub(REMOVED, text)


def pii_values(order_ids: Iterable[int]) -> dict[int, set[str]]:
    """Each order's customer data as it stands, for cutting copies of it out of free text."""
    ids = list(order_ids)
    values: dict[int, set[str]] = {order_id: set() for order_id in ids}
    if not ids:
        return values
    order_columns = [getattr(SalesOrder, name) for name in columns(SalesOrder, _R)]
    for order_id, *found in db.session.execute(
        select(SalesOrder.id, *order_columns).where(SalesOrder.id.in_(ids))
    ):
        values[order_id].update(v for v in found if v)
    address_columns = [getattr(OrderAddress, name) for name in columns(OrderAddress, _R)]
    for row in db.session.execute(
        select(OrderAddress.order_id, *address_columns).where(OrderAddress.order_id.in_(ids))
    ):
        found = row._mapping
        values[row.order_id].update(v for name in columns(OrderAddress, _R) if (v := found[name]))
        values[row.order_id].add(f"{found['first_name']} {found['last_name']}".strip())
    return values


def _rewrite(model: type, rows: list[dict]) -> int:
    """One UPDATE per changed row, sent as one executemany."""
    if not rows:
        return 0
    table = model.__table__
    names = [name for name in rows[0] if name != "row_id"]
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(name) for name in names})
    )
    db.session.execute(statement, rows)
    return len(rows)


def _scrubbed_rows(rows: Iterable[Row], text_columns: list[str], values_of) -> list[dict]:
    changed = []
    for row in rows:
        values = values_of(row)
        fields = {name: scrub(getattr(row, name), values) for name in text_columns}
        if any(fields[name] != getattr(row, name) for name in text_columns):
            changed.append({"row_id": row.id, **fields})
    return changed


def _one_of(column, ids: Select):
    """`column IN (ids)`. On PostgreSQL `column = ANY(ARRAY(ids))`: the batch's ids are read once and each
    probes the column's index, whatever the planner makes of the batch's size; `IN (subquery)` may be planned
    as a join that walks the events' whole index or table (seconds at 2,000,000 events)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == func.any(func.array(ids.scalar_subquery()))
    return column.in_(ids)


def scrub_copies(batch: Batch) -> dict[str, int]:
    """Cut the batch's customer data out of the events, pending orders and audit rows about its orders.
    Returns how many rows of each changed. Call before `empty_orders`: it reads the values it cuts out."""
    channel_id = batch.channel_id
    # Two reads, each through its own index (order_id; channel_id + external_order_id), joined by UNION: an OR
    # of the two made PostgreSQL read every event of every channel, once per batch (docs/scale-explain.md).
    event_columns = (SyncEvent.id, SyncEvent.order_id, SyncEvent.external_order_id, SyncEvent.message)
    events = db.session.execute(
        union(
            select(*event_columns).where(_one_of(SyncEvent.order_id, batch.select(SalesOrder.id))),
            select(*event_columns).where(
                SyncEvent.channel_id == channel_id,
                _one_of(SyncEvent.external_order_id, batch.select(SalesOrder.external_id)),
            ),
        )
    ).all()
    pending = db.session.execute(
        select(PendingOrder.id, PendingOrder.external_id, PendingOrder.reason).where(
            PendingOrder.channel_id == channel_id,
            PendingOrder.external_id.in_(batch.select(SalesOrder.external_id)),
        )
    ).all()
    audits = db.session.execute(
        select(AuditEvent.id, AuditEvent.new_value, AuditEvent.old_value).where(
            AuditEvent.channel_id == channel_id,
            AuditEvent.field == "order",
            AuditEvent.new_value.in_(batch.select(SalesOrder.number)),
        )
    ).all()
    if not (events or pending or audits):
        return {"events": 0, "pending_orders": 0, "audit_rows": 0}
    # Only the orders these copies are about, found again by whatever links each copy to its order.
    orders = db.session.execute(
        batch.select(SalesOrder.id, SalesOrder.external_id, SalesOrder.number).where(
            or_(
                SalesOrder.id.in_({row.order_id for row in events} - {None}),
                SalesOrder.external_id.in_(
                    {row.external_order_id for row in events} | {row.external_id for row in pending}
                ),
                SalesOrder.number.in_({row.new_value for row in audits}),
            )
        )
    ).all()
    values = pii_values(row.id for row in orders)
    by_external = {row.external_id: values[row.id] for row in orders}
    by_number = {row.number: values[row.id] for row in orders}

    def event_values(row: Row) -> set[str]:
        return values.get(row.order_id) or by_external.get(row.external_order_id, set())

    return {
        "events": _rewrite(SyncEvent, _scrubbed_rows(events, columns(SyncEvent, _S), event_values)),
        "pending_orders": _rewrite(
            PendingOrder,
            _scrubbed_rows(pending, columns(PendingOrder, _S), lambda row: by_external[row.external_id]),
        ),
        "audit_rows": _rewrite(
            AuditEvent,
            _scrubbed_rows(audits, columns(AuditEvent, _S), lambda row: by_number[row.new_value]),
        ),
    }


def _order_references(*texts: str) -> set[int]:
    return {
        int(path_id or body_id) for text in texts for path_id, body_id in _ORDER_REFERENCE.findall(text or "")
    }


def api_log_rows(channel_id: int, after_id: int, size: int) -> list[Row]:
    """The channel's manual-logging captures with an id above `after_id`, a few at a time (bodies are big)."""
    return list(
        db.session.execute(
            select(ApiCallLog.id, ApiCallLog.path, ApiCallLog.request_body, ApiCallLog.response_body)
            .where(ApiCallLog.channel_id == channel_id, ApiCallLog.id > after_id)
            .order_by(ApiCallLog.id)
            .limit(size)
        )
    )


def scrub_api_log(channel_id: int, rows: list[Row], before: datetime) -> int:
    """Cut customer data out of the captures that name an order that is due or already purged: the due
    order's values and any e-mail address. Returns how many captures changed."""
    referenced = {row.id: _order_references(row.path, row.request_body, row.response_body) for row in rows}
    wanted = set().union(*referenced.values()) if referenced else set()
    if not wanted:
        return 0
    orders = db.session.execute(
        select(SalesOrder.id, SalesOrder.external_id, SalesOrder.pii_purged_at).where(
            SalesOrder.channel_id == channel_id,
            SalesOrder.external_id.in_(list(wanted)),
            or_(and_(*due(channel_id, before)), SalesOrder.pii_purged_at.is_not(None)),
        )
    ).all()
    affected = {row.external_id: row.id for row in orders}
    values = pii_values(row.id for row in orders if row.pii_purged_at is None)
    targets = [row for row in rows if referenced[row.id] & affected.keys()]

    def capture_values(row: Row) -> set[str]:
        return set().union(*(values.get(affected[e], set()) for e in referenced[row.id] if e in affected))

    return _rewrite(ApiCallLog, _scrubbed_rows(targets, columns(ApiCallLog, _S), capture_values))
