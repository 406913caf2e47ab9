"""The store orders waiting for a retry (PendingOrder), for people: grouped by why they failed (each SKU that
maps to nothing, then each other cause), one group's orders a page at a time, the orders a new SKU mapping
now lets through, and retry requests for a group.

Every function costs a fixed number of queries whatever the number of failed orders. Functions change the
session and never commit: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, exists, func, select, update
from sqlalchemy.orm import defer, selectinload

from extensions import db
from models.activity import FailureCause, PendingOrder, PendingOrderSku
from models.base import utcnow
from models.catalog import sku_key
from models.channels import SalesChannel
from services.mappings.resolvers import SkuResolver

PER_PAGE = 50
MAX_PAGE = 100_000
SKU_GROUPS_SHOWN = 20  # the SKUs stopping the most orders; the rest are counted


def retry_outstanding() -> ColumnElement[bool]:
    """A retry was asked for after the order's last failed attempt: the next import run owes it one."""
    return PendingOrder.retry_requested_at.is_not(None) & (
        PendingOrder.retry_requested_at > PendingOrder.last_failed_at
    )


@dataclass(frozen=True)
class Selector:
    """Which failed orders: all, those a SKU stops, those of another cause, or those whose SKUs map now.

    Written in URLs and forms as `all`, `sku:<sku>`, `cause:<cause>` or `fixed`."""

    kind: str = "all"
    value: str = ""

    @classmethod
    def parse(cls, text: str | None) -> Selector | None:
        """The selector a URL or form names; None when it names none (unknown kind or cause, blank SKU)."""
        text = (text or "all").strip()
        kind, _, value = text.partition(":")
        if kind in ("all", "fixed") and not value:
            return cls(kind)
        if kind == "sku" and sku_key(value) and len(value) <= 255:
            return cls(kind, value.strip())
        if kind == "cause" and value in {cause.value for cause in FailureCause}:
            return cls(kind, value)
        return None

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind

    @property
    def label(self) -> str:
        if self.kind == "sku":
            return f"SKU ‘{self.value}’ maps to no product variant"
        if self.kind == "cause":
            return FailureCause(self.value).label
        if self.kind == "fixed":
            return "Their SKUs map now"
        return "All failed orders"


@dataclass(frozen=True)
class FailureGroup:
    selector: Selector
    orders: int
    resolved: bool = False  # a SKU group whose SKU maps to a variant now: retrying should import its orders

    @property
    def sku(self) -> str | None:
        return self.selector.value if self.selector.kind == "sku" else None


@dataclass(frozen=True)
class FailureSummary:
    total: int
    fixed: int  # orders whose every missing SKU maps now
    groups: list[FailureGroup]
    more_skus: int  # SKU groups beyond SKU_GROUPS_SHOWN


def _fixed_condition(resolved_keys: set[str]) -> ColumnElement[bool]:
    """Orders stopped only by SKUs in `resolved_keys` (they map now). An order that also has a line without a
    SKU has the cause NO_SKU: a mapping cannot fix it."""
    unresolved = select(PendingOrderSku.id).where(
        PendingOrderSku.pending_order_id == PendingOrder.id,
        PendingOrderSku.sku_key.not_in(sorted(resolved_keys)),
    )
    return (PendingOrder.cause == FailureCause.MISSING_SKU) & ~exists(unresolved)


def failing_skus(channel: SalesChannel) -> dict[str, int]:
    """Each SKU stopping failed orders of the channel (as the store writes it) → how many orders it stops."""
    return dict(
        db.session.execute(
            select(func.min(PendingOrderSku.sku), func.count(PendingOrderSku.id))
            .where(PendingOrderSku.channel_id == channel.id)
            .group_by(PendingOrderSku.sku_key)
        ).all()
    )


def _resolved_keys(channel: SalesChannel) -> set[str]:
    """The distinct SKUs stopping this channel's orders that map to a variant now (mapping or same SKU)."""
    skus = list(
        db.session.scalars(
            select(func.min(PendingOrderSku.sku))
            .where(PendingOrderSku.channel_id == channel.id)
            .group_by(PendingOrderSku.sku_key)
        )
    )
    return {sku_key(sku) for sku in SkuResolver(channel).resolve_many(skus)}


def summary(channel: SalesChannel) -> FailureSummary:
    """The total, the groups (SKUs stopping the most orders first, then the other causes) and how many orders
    a retry would now import: five queries."""
    total = db.session.scalar(
        select(func.count(PendingOrder.id)).where(PendingOrder.channel_id == channel.id)
    )
    if not total:
        return FailureSummary(0, 0, [], 0)
    by_sku = db.session.execute(
        select(func.min(PendingOrderSku.sku), func.count(PendingOrderSku.id).label("orders"))
        .where(PendingOrderSku.channel_id == channel.id)
        .group_by(PendingOrderSku.sku_key)
        .order_by(func.count(PendingOrderSku.id).desc(), PendingOrderSku.sku_key)
    ).all()
    resolved = _resolved_keys(channel)
    groups = [
        FailureGroup(Selector("sku", sku), orders, sku_key(sku) in resolved)
        for sku, orders in by_sku[:SKU_GROUPS_SHOWN]
    ]
    by_cause = db.session.execute(
        select(PendingOrder.cause, func.count(PendingOrder.id))
        .where(PendingOrder.channel_id == channel.id, PendingOrder.cause != FailureCause.MISSING_SKU)
        .group_by(PendingOrder.cause)
        .order_by(func.count(PendingOrder.id).desc())
    ).all()
    groups += [FailureGroup(Selector("cause", cause.value), orders) for cause, orders in by_cause]
    fixed = fixed_count(channel, resolved) if resolved else 0
    return FailureSummary(total, fixed, groups, max(0, len(by_sku) - SKU_GROUPS_SHOWN))


def fixed_count(channel: SalesChannel, resolved_keys: set[str] | None = None) -> int:
    """How many failed orders a retry would now get past their SKUs (every SKU that stopped them maps)."""
    resolved_keys = _resolved_keys(channel) if resolved_keys is None else resolved_keys
    if not resolved_keys:
        return 0
    return (
        db.session.scalar(
            select(func.count(PendingOrder.id)).where(
                PendingOrder.channel_id == channel.id, _fixed_condition(resolved_keys)
            )
        )
        or 0
    )


def selected(channel: SalesChannel, selector: Selector) -> Select:
    """Ids of the channel's failed orders that `selector` names."""
    statement = select(PendingOrder.id).where(PendingOrder.channel_id == channel.id)
    if selector.kind == "sku":
        with_sku = select(PendingOrderSku.pending_order_id).where(
            PendingOrderSku.channel_id == channel.id, PendingOrderSku.sku_key == sku_key(selector.value)
        )
        return statement.where(PendingOrder.id.in_(with_sku))
    if selector.kind == "cause":
        return statement.where(PendingOrder.cause == FailureCause(selector.value))
    if selector.kind == "fixed":
        resolved = _resolved_keys(channel)
        if not resolved:
            return statement.where(False)
        return statement.where(_fixed_condition(resolved))
    return statement


class FailedOrderPage(Pagination):
    """A page of failed orders (latest failure first) with their missing SKUs: a Flask-SQLAlchemy
    `Pagination` for the `pagination` macro. Three queries: the count, the page, its SKUs."""

    def _query_items(self) -> list[PendingOrder]:
        ids = self._query_args["ids"]
        return list(
            db.session.scalars(
                select(PendingOrder)
                .where(PendingOrder.id.in_(ids))
                # The order's JSON kept for a retry is not shown: a page would read 50 whole store orders.
                .options(selectinload(PendingOrder.missing_skus), defer(PendingOrder.document))
                .order_by(PendingOrder.last_failed_at.desc(), PendingOrder.id.desc())
                .offset(self._query_offset)
                .limit(self.per_page)
            )
        )

    def _query_count(self) -> int:
        ids = self._query_args["ids"]
        return db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0


def failed_page(channel: SalesChannel, selector: Selector, page: int = 1) -> FailedOrderPage:
    """A page of the orders `selector` names; a page past the end is empty, never an error."""
    page = min(max(page, 1), MAX_PAGE)
    return FailedOrderPage(
        page=page, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False, ids=selected(channel, selector)
    )


def request_retries(channel: SalesChannel, selector: Selector) -> int:
    """Mark the orders `selector` names as owed a retry (one statement); returns how many. The caller commits,
    then asks for a run: the run queued or running picks every requested retry up before it finishes."""
    ids = selected(channel, selector)
    result = db.session.execute(
        update(PendingOrder)
        .where(PendingOrder.id.in_(ids))
        .values(retry_requested_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def request_retry(pending: PendingOrder) -> None:
    pending.retry_requested_at = utcnow()


def failed_counts(channel_ids: list[int]) -> dict[int, int]:
    """Failed orders per channel, in one query: for the channel list."""
    if not channel_ids:
        return {}
    rows: Any = db.session.execute(
        select(PendingOrder.channel_id, func.count(PendingOrder.id))
        .where(PendingOrder.channel_id.in_(channel_ids))
        .group_by(PendingOrder.channel_id)
    ).all()
    return dict(rows)


def pending_order(channel_id: int, external_id: int) -> PendingOrder | None:
    """The channel's failed order with this store id."""
    return db.session.scalar(
        select(PendingOrder).where(
            PendingOrder.channel_id == channel_id, PendingOrder.external_id == external_id
        )
    )


def pending_orders_among(channel_id: int, external_ids: set[int], limit: int) -> list[PendingOrder]:
    """Those of `external_ids` still waiting for a retry, with their SKUs, newest store id first."""
    if not external_ids:
        return []
    return list(
        db.session.scalars(
            select(PendingOrder)
            .where(PendingOrder.channel_id == channel_id, PendingOrder.external_id.in_(external_ids))
            .options(selectinload(PendingOrder.missing_skus))
            .order_by(PendingOrder.external_id.desc())
            .limit(limit)
        )
    )
