"""What each channel moved since a given instant (the start of the account's day): orders imported and
shipments the store confirmed. One query per figure, whatever the number of channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from extensions import db
from models.orders import SalesOrder
from models.shipments import ExportStatus, Shipment


@dataclass(frozen=True)
class DayFlow:
    orders_in: int = 0
    shipments_out: int = 0


def since(channel_ids: list[int], start: datetime) -> dict[int, DayFlow]:
    """Orders imported and shipments sent to the store at or after `start`, per channel (every id present)."""
    if not channel_ids:
        return {}
    orders = dict(
        db.session.execute(
            select(SalesOrder.channel_id, func.count(SalesOrder.id))
            .where(SalesOrder.channel_id.in_(channel_ids), SalesOrder.imported_at >= start)
            .group_by(SalesOrder.channel_id)
        ).all()
    )
    shipments = dict(
        db.session.execute(
            select(Shipment.channel_id, func.count(Shipment.id))
            .where(
                Shipment.channel_id.in_(channel_ids),
                Shipment.export_status == ExportStatus.SENT,
                Shipment.sent_at >= start,
            )
            .group_by(Shipment.channel_id)
        ).all()
    )
    return {cid: DayFlow(orders.get(cid, 0), shipments.get(cid, 0)) for cid in channel_ids}
