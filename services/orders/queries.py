"""Orders of an account: the list's filters and pages, and what the detail shows besides the order itself.

A page of the list costs two queries whatever its size: the rows (the page's ids, then each order with its
channel and its line count, by a correlated aggregate) and the total, counted up to a cap (an exact count of a
busy account's year reads every order: 800,000 index entries for a pager); the last page (a search's only
page) knows its total from its rows and counts nothing. Dates filter on
`store_created_at`, read as whole days in the account's timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from extensions import db
from models.activity import SyncEvent
from models.channels import SalesChannel
from models.orders import OrderStatus, SalesOrder, SalesOrderLine
from models.tenancy import Account
from services.orders.counts import capped_count
from services.search import LIKE_ESCAPE, contains_pattern, escape_like
from services.timezones import day_start_utc

MAX_EVENTS = 200  # the newest events of one order; older ones stay in the channel's logs


@dataclass(frozen=True)
class OrderFilters:
    channel_id: int | None = None
    status: OrderStatus | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def account_channels(account: Account) -> list[SalesChannel]:
    """Every channel the account's orders may come from, deleted ones included, by name."""
    return list(
        db.session.scalars(
            select(SalesChannel)
            .where(SalesChannel.account_id == account.id)
            .order_by(SalesChannel.name, SalesChannel.id)
        )
    )


def search_condition(q: str, *, contact_masked: bool) -> Any:
    """Number, customer name or e-mail containing `q`, ignoring case. Someone who sees e-mails masked
    (`j***@example.com`) finds an order by its e-mail only when typing the whole address: matching any part
    would give the hidden address back one character at a time."""
    pattern = contains_pattern(q)
    if contact_masked:
        # the whole address, ignoring case: ILIKE without wildcards, so the trigram index serves it too
        email = SalesOrder.customer_email.ilike(escape_like(q.strip()), escape=LIKE_ESCAPE)
    else:
        email = SalesOrder.customer_email.ilike(pattern, escape=LIKE_ESCAPE)
    return or_(
        SalesOrder.number.ilike(pattern, escape=LIKE_ESCAPE),
        SalesOrder.customer_name.ilike(pattern, escape=LIKE_ESCAPE),
        email,
    )


def filter_conditions(
    account: Account, filters: OrderFilters, zone: ZoneInfo, *, contact_masked: bool = True
) -> list[Any]:
    """WHERE clauses for the account's orders matching `filters` (the account is always the first).
    `contact_masked`: the searcher sees contact data masked (pii_masking.masks_pii)."""
    conditions: list[Any] = [SalesOrder.account_id == account.id]
    if filters.channel_id is not None:
        conditions.append(SalesOrder.channel_id == filters.channel_id)
    if filters.status is not None:
        conditions.append(SalesOrder.status == filters.status)
    if filters.date_from is not None:
        conditions.append(SalesOrder.store_created_at >= day_start_utc(filters.date_from, zone))
    if filters.date_to is not None and filters.date_to < date.max:
        next_day = filters.date_to + timedelta(days=1)
        conditions.append(SalesOrder.store_created_at < day_start_utc(next_day, zone))
    if filters.q:
        conditions.append(search_condition(filters.q, contact_masked=contact_masked))
    return conditions


LINE_COUNT = (
    select(func.count(SalesOrderLine.id))
    .where(SalesOrderLine.order_id == SalesOrder.id)
    .correlate(SalesOrder)
    .scalar_subquery()
    .label("line_count")
)


class OrderPage(Pagination):
    """A page of `(order, line_count)` rows; works with the `pagination` macro like `db.paginate`'s result.

    The total is exact up to `count_cap` orders. Past it `more_than` says how many the list is known to
    exceed (the cap, or the rows up to this page's end when a row follows it) and `total` is one more, so
    `pages` and `has_next` stay true; the last page, once reached, knows its total exactly again."""

    more_than: int | None = None

    def _query_items(self) -> list[Any]:
        # The page's ids first (the offset walks the index alone), then those rows with their line counts:
        # counting lines in the same SELECT as the OFFSET counted them for every skipped order too. One id
        # beyond the page says whether another page follows.
        conditions = self._query_args["conditions"]
        newest_first = (SalesOrder.store_created_at.desc(), SalesOrder.id.desc())
        page_ids = (
            select(SalesOrder.id)
            .where(*conditions)
            .order_by(*newest_first)
            .limit(self.per_page + 1)
            .offset(self._query_offset)
            .subquery()
        )
        statement = (
            select(SalesOrder, LINE_COUNT)
            .join(page_ids, page_ids.c.id == SalesOrder.id)
            .options(joinedload(SalesOrder.channel))
            .order_by(*newest_first)
        )
        rows = list(db.session.execute(statement).all())
        self._row_follows = len(rows) > self.per_page
        return rows[: self.per_page]

    def _query_count(self) -> int:
        if self.items and not self._row_follows:
            # The last page: everything before it plus its rows (a search's single page counts nothing).
            return self._query_offset + len(self.items)
        cap = self._query_args["count_cap"]
        matching = select(SalesOrder.id).where(*self._query_args["conditions"])
        counted = db.session.scalar(select(capped_count(matching, cap))) or 0
        if counted <= cap:
            return counted
        # More than the cap: this page's end if a row follows it, else (a page past the end) only the cap.
        self.more_than = max(cap, self._query_offset + len(self.items)) if self.items else cap
        return self.more_than + 1


def order_page(
    account: Account,
    filters: OrderFilters,
    zone: ZoneInfo,
    page: int,
    per_page: int,
    *,
    contact_masked: bool = True,
    count_cap: int,
) -> OrderPage:
    """Newest first (store creation time); a page past the end is empty, never an error. The total is
    counted up to `count_cap` (see OrderPage)."""
    conditions = filter_conditions(account, filters, zone, contact_masked=contact_masked)
    return OrderPage(
        page=page,
        per_page=per_page,
        max_per_page=per_page,
        error_out=False,
        conditions=conditions,
        count_cap=count_cap,
    )


def order_lines(order: SalesOrder) -> list[SalesOrderLine]:
    """The order's lines with their mapped variants, in one query."""
    return list(
        db.session.scalars(
            select(SalesOrderLine)
            .where(SalesOrderLine.order_id == order.id)
            .options(joinedload(SalesOrderLine.variant))
            .order_by(SalesOrderLine.id)
        )
    )


def order_events(order: SalesOrder, limit: int = MAX_EVENTS) -> list[SyncEvent]:
    """Sync events about this order, newest first: those linked to it, and those of its channel that name its
    store order id (e.g. a failed import attempt before the order existed here)."""
    about_order = or_(
        SyncEvent.order_id == order.id,
        and_(SyncEvent.channel_id == order.channel_id, SyncEvent.external_order_id == order.external_id),
    )
    return list(
        db.session.scalars(
            select(SyncEvent)
            .where(about_order)
            .order_by(SyncEvent.created_at.desc(), SyncEvent.id.desc())
            .limit(limit)
        )
    )


def order_of_account(account_id: int, order_id: int) -> SalesOrder | None:
    return db.session.scalar(
        select(SalesOrder).where(SalesOrder.id == order_id, SalesOrder.account_id == account_id)
    )
