"""How many orders each channel has imported in all, in one query whatever the number of channels: counted up
to a cap per channel (CHANNEL_ORDER_COUNT_CAP; an exact count of a busy account's year reads every order of
every channel, 800,000 index entries for one column of the channel list), so the list says "1,000+" past it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from extensions import db
from models.channels import SalesChannel
from models.orders import SalesOrder

COUNT_CAP = 1_000


@dataclass(frozen=True)
class ImportedCount:
    """At least `orders`; exactly that many unless `more` (then more than `orders`)."""

    orders: int
    more: bool = False

    def __str__(self) -> str:
        return f"{self.orders:,}+" if self.more else f"{self.orders:,}"


def imported_per_channel(channel_ids: list[int], cap: int = COUNT_CAP) -> dict[int, ImportedCount]:
    if not channel_ids:
        return {}
    # One probe per channel of at most cap + 1 index entries of (channel_id, imported_at).
    capped = (
        select(SalesOrder.id)
        .where(SalesOrder.channel_id == SalesChannel.id)
        .limit(cap + 1)
        .correlate(SalesChannel)
        .subquery()
    )
    counted = select(func.count()).select_from(capped).correlate(SalesChannel).scalar_subquery()
    rows = db.session.execute(select(SalesChannel.id, counted).where(SalesChannel.id.in_(channel_ids))).all()
    return {
        channel_id: ImportedCount(cap, more=True) if count > cap else ImportedCount(count)
        for channel_id, count in rows
        if count
    }
