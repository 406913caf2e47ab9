"""Order counts that stop at a cap: an exact count of a busy account's year reads every matching order
(800,000 index entries for one column of the channel list), so past the cap a page says "1,000+".

`capped_count` is the one way to count so: `imported_per_channel` for each channel's orders imported in all,
in one query whatever the number of channels (cap CHANNEL_ORDER_COUNT_CAP), and the orders list for its total
(ORDER_COUNT_CAP, services/orders/queries.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import FromClause, ScalarSelect, Select, func, select

from extensions import db
from models.channels import SalesChannel
from models.orders import SalesOrder


def capped_count(matching: Select, cap: int, *, correlate: tuple[FromClause, ...] = ()) -> ScalarSelect[int]:
    """The number of rows `matching` selects, counting no further than cap + 1: more than `cap` means
    "at least cap + 1". `correlate`: the enclosing query's tables a per-row count refers to."""
    limited = matching.limit(cap + 1).correlate(*correlate).subquery()
    return select(func.count()).select_from(limited).correlate(*correlate).scalar_subquery()


@dataclass(frozen=True)
class ImportedCount:
    """At least `orders`; exactly that many unless `more` (then more than `orders`)."""

    orders: int
    more: bool = False

    def __str__(self) -> str:
        return f"{self.orders:,}+" if self.more else f"{self.orders:,}"


def imported_per_channel(channel_ids: list[int], *, cap: int) -> dict[int, ImportedCount]:
    if not channel_ids:
        return {}
    # One probe per channel of at most cap + 1 index entries of (channel_id, imported_at).
    orders = select(SalesOrder.id).where(SalesOrder.channel_id == SalesChannel.id)
    counted = capped_count(orders, cap, correlate=(SalesChannel,))
    rows = db.session.execute(select(SalesChannel.id, counted).where(SalesChannel.id.in_(channel_ids))).all()
    return {
        channel_id: ImportedCount(cap, more=True) if count > cap else ImportedCount(count)
        for channel_id, count in rows
        if count
    }
