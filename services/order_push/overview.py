"""What the channel page shows about order push: how many orders came by push, by the catch-up sweep, by the
plain poll; payloads waiting for their import; pushes refused."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from extensions import db
from models.channels import SalesChannel
from models.order_push import ArrivalPath, OrderArrival, PushedOrder, PushState
from services.order_push import intake


@dataclass(frozen=True)
class Overview:
    arrivals: dict[ArrivalPath, int]
    waiting: int  # received, not imported yet
    refused: dict[str, int]


def of_channel(channel: SalesChannel) -> Overview:
    counts = dict(
        db.session.execute(
            select(OrderArrival.path, func.count())
            .where(OrderArrival.channel_id == channel.id)
            .group_by(OrderArrival.path)
        ).all()
    )
    waiting = db.session.scalar(
        select(func.count())
        .select_from(PushedOrder)
        .where(PushedOrder.channel_id == channel.id, PushedOrder.state == PushState.RECEIVED)
    )
    return Overview(
        arrivals={path: counts.get(path, 0) for path in ArrivalPath},
        waiting=waiting or 0,
        refused=intake.refusal_counts(channel.id),
    )
