"""The ready-orders page: `GET /api/v1/orders?fulfilment=ready` walked page by page over N orders, timed per
page (p50/p95, target p95 < 50 ms on PostgreSQL at 100,000 orders). Part of bench/webhooks.py.

The orders are inserted set-based in a mix of statuses: a fifth shipped, a tenth draft, a tenth cancelled,
the rest approved / released / partially shipped, of which some are not allocated. The expected count of ready
orders is computed here in plain SQL, independently of services/orders/fulfilment.py; the walk must return
exactly those ids, once each.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import literal, select, text

from extensions import db
from models.orders import OrderStatus, SalesOrder, SalesOrderLine
from services import api_keys

CHUNK = 20_000
T0 = datetime(2026, 11, 1, tzinfo=UTC)
# n % 20 -> status; n % 7 == 0 among the open ones: not allocated
STATUS_CYCLE = (
    [OrderStatus.SHIPPED] * 4
    + [OrderStatus.DRAFT] * 2
    + [OrderStatus.CANCELLED] * 2
    + [OrderStatus.APPROVED] * 8
    + [OrderStatus.RELEASED] * 2
    + [OrderStatus.PARTIALLY_SHIPPED] * 2
)
READY_SQL = """
SELECT o.id FROM sales_order o
WHERE o.account_id = :account AND o.status IN ('approved', 'released', 'partially_shipped')
  AND EXISTS (SELECT 1 FROM sales_order_line l WHERE l.order_id = o.id AND l.is_physical
              AND l.shipped_quantity < l.quantity)
  AND NOT EXISTS (SELECT 1 FROM sales_order_line l WHERE l.order_id = o.id AND l.is_physical
              AND l.shipped_quantity < l.quantity AND l.allocated_quantity < l.quantity - l.shipped_quantity)
ORDER BY o.id
"""


@dataclass
class PageFigures:
    orders: int
    pages: int
    p50_ms: float
    p95_ms: float
    listed: list[int]
    expected: list[int]

    @property
    def correct(self) -> bool:
        return self.listed == self.expected

    def lines(self) -> list[str]:
        verdict = "ok" if self.correct else "WRONG"
        return [
            f"ready-orders page: {self.orders:,} orders, {len(self.expected):,} ready, "
            f"{self.pages} pages of 100",
            f"  listed {len(self.listed):,} (expected {len(self.expected):,}, "
            f"{len(self.listed) - len(set(self.listed))} repeated): {verdict}",
            f"  page time p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms (target p95 < 50 ms)",
        ]


def _order_row(account_id: int, channel_id: int, n: int) -> dict:
    status = STATUS_CYCLE[n % len(STATUS_CYCLE)]
    return {
        "account_id": account_id,
        "channel_id": channel_id,
        "external_id": 5_000_000 + n,
        "number": f"BS-{5_000_000 + n}",
        "status": status.value,
        "store_status": "paid",
        "store_created_at": T0,
        "store_updated_at": T0,
        "item_total": 20,
        "shipping_total": 5,
        "tax_total": 1,
        "grand_total": 26,
        "imported_at": T0,
        "updated_at": T0,
    }


def insert_orders(account_id: int, channel_id: int, count: int) -> None:
    """`count` orders with two lines each; shipped and part-shipped quantities and allocations follow n."""
    table = SalesOrder.__table__
    for first in range(0, count, CHUNK):
        rows = [_order_row(account_id, channel_id, n) for n in range(first, min(first + CHUNK, count))]
        db.session.execute(table.insert(), rows)
        db.session.commit()
    orders = select(table.c.id, table.c.external_id, table.c.status).where(table.c.channel_id == channel_id)
    orders = orders.subquery()
    lines = SalesOrderLine.__table__
    for n in (1, 2):
        db.session.execute(
            lines.insert().from_select(
                ["order_id", "external_line_id", "sku", "name", "quantity", "unit_price", "total_price",
                 "is_physical", "shipped_quantity", "allocated_quantity"],
                select(orders.c.id, orders.c.external_id * 10 + n, literal(f"SKU-{n}"), literal("Tee"),
                       literal(2), literal(5), literal(10), literal(True), literal(0), literal(2)),
            )
        )  # fmt: skip
    # shipped: every line shipped; part-shipped: the first line; open orders with n % 7 == 0 hold nothing
    db.session.execute(
        text(
            "UPDATE sales_order_line SET shipped_quantity = quantity, allocated_quantity = 0 "
            "WHERE order_id IN (SELECT id FROM sales_order WHERE channel_id = :c AND status = 'shipped')"
        ),
        {"c": channel_id},
    )
    db.session.execute(
        text(
            "UPDATE sales_order_line SET shipped_quantity = quantity, allocated_quantity = 0 "
            "WHERE external_line_id % 10 = 1 AND order_id IN "
            "(SELECT id FROM sales_order WHERE channel_id = :c AND status = 'partially_shipped')"
        ),
        {"c": channel_id},
    )
    db.session.execute(
        text(
            "UPDATE sales_order_line SET allocated_quantity = 0 WHERE order_id IN "
            "(SELECT id FROM sales_order WHERE channel_id = :c AND external_id % 7 = 0)"
        ),
        {"c": channel_id},
    )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE sales_order"))
        db.session.execute(text("ANALYZE sales_order_line"))
        db.session.commit()


def walk(app, account, count: int, *, tamper: bool = False) -> PageFigures:
    """Walk every page of the ready list through the API (key check included), timing each request."""
    _row, key = api_keys.create_key(account, "Bench", None)
    db.session.commit()
    expected = [row[0] for row in db.session.execute(text(READY_SQL), {"account": account.id})]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    listed: list[int] = []
    timings: list[float] = []
    cursor = None
    while True:
        url = "/api/v1/orders?fulfilment=ready&limit=100" + (f"&cursor={cursor}" if cursor else "")
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(
                f"{url} answered {response.status_code}: {response.get_data(as_text=True)[:300]}"
            )
        listed += [order["id"] for order in response.json["orders"]]
        cursor = response.json["next_cursor"]
        if not cursor:
            break
    if tamper and listed:  # the self-test: one order listed twice must be caught
        listed.append(listed[0])
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    return PageFigures(count, len(timings), statistics.median(timings), p95, listed, expected)
