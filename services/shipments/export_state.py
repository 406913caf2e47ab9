"""Where a shipment stands on its way to the store, and the moves between those states.

    WAITING --claim--> SENDING --the store confirmed it--> SENT
       ^                  |
       |                  +--refused (422), order gone (404)--> ERROR --a user's Retry--> WAITING
       +--not written-----+   (429, 401/403; or not found among the store's shipments when reconciled)

`claim` is a conditional UPDATE committed before the request goes out: a second runner cannot send the same
shipment, and a worker that dies mid-request leaves SENDING behind, so the next run reads the order's
shipments on the store (`match_on_store`) before anything is sent again. Shipments that cannot be sent at
all (unmapped carrier, unapproved MOAS order) go from WAITING to ERROR without a call. The order-level store
update (status, last shipment's tracking) becomes due when a shipment is confirmed and the channel asks for
one. Functions never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select, union_all, update
from sqlalchemy.orm.attributes import set_committed_value

from connectors.brightsites.translate import ShipmentRecord
from extensions import db
from models.base import utcnow
from models.channels import SalesChannel, ShipmentStoreStatus
from models.orders import SalesOrder
from models.shipments import ExportProblem, ExportStatus, Shipment
from services import outbox

UNCONFIRMED = (ExportStatus.WAITING, ExportStatus.SENDING)


def wants_store_update(channel: SalesChannel) -> bool:
    return (
        channel.update_order_with_last_shipment or channel.shipment_store_status != ShipmentStoreStatus.NONE
    )


def _orders_with_work(channel_ids: Sequence[int]):
    """Each half read from its own index (shipments by channel and status; orders whose store update is due,
    a partial index), so the cost follows the work waiting, not the channels' orders: an OR over the orders
    made PostgreSQL read every order of the channels asked about."""
    unconfirmed = select(Shipment.order_id).where(
        Shipment.channel_id.in_(channel_ids), Shipment.export_status.in_(UNCONFIRMED)
    )
    update_due = select(SalesOrder.id).where(
        SalesOrder.channel_id.in_(channel_ids),
        SalesOrder.store_update_due,
        SalesOrder.store_update_error == "",
    )
    return select(SalesOrder.id).where(
        SalesOrder.id.in_(union_all(unconfirmed, update_due)),
        SalesOrder.held_at.is_(None),  # a held order is not exported until released
    )


def work_order_ids(channel: SalesChannel) -> list[int]:
    """Orders of the channel with a shipment not yet confirmed, or a store update due (and not in error)."""
    return list(db.session.scalars(_orders_with_work([channel.id]).order_by(SalesOrder.id)))


def has_work(channel: SalesChannel) -> bool:
    """Whether a run would do anything: the schedule starts no run that has nothing to send."""
    return db.session.scalar(_orders_with_work([channel.id]).limit(1)) is not None


def channels_with_work(channel_ids: Iterable[int]) -> set[int]:
    """Of these channels, those a run would do anything for (`has_work`), in one query: the schedule's look
    at every channel costs the same for one channel or a hundred."""
    ids = list(channel_ids)
    if not ids:
        return set()
    orders = _orders_with_work(ids).with_only_columns(SalesOrder.channel_id).distinct()
    return set(db.session.scalars(orders))


def unconfirmed_count(channel: SalesChannel) -> int:
    return db.session.scalar(
        select(func.count(Shipment.id)).where(
            Shipment.channel_id == channel.id, Shipment.export_status.in_(UNCONFIRMED)
        )
    )


def claim(shipment: Shipment) -> bool:
    """WAITING -> SENDING, only if it is still waiting (another runner may have taken it). Commit before the
    request goes out."""
    now = utcnow()
    taken = db.session.execute(
        update(Shipment)
        .where(Shipment.id == shipment.id, Shipment.export_status == ExportStatus.WAITING)
        .values(
            export_status=ExportStatus.SENDING,
            export_attempts=Shipment.export_attempts + 1,
            last_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        db.session.refresh(shipment, ["export_status", "export_attempts", "last_attempt_at"])
        return False
    # What the UPDATE wrote, known without reading it back (one statement less per shipment).
    set_committed_value(shipment, "export_status", ExportStatus.SENDING)
    set_committed_value(shipment, "export_attempts", (shipment.export_attempts or 0) + 1)
    set_committed_value(shipment, "last_attempt_at", now)
    return True


def mark_sent(shipment: Shipment, store_shipment_id: int, order: SalesOrder, channel: SalesChannel) -> None:
    shipment.export_status = ExportStatus.SENT
    shipment.store_shipment_id = store_shipment_id
    shipment.sent_at = utcnow()
    shipment.export_problem = None
    shipment.export_error = ""
    outbox.record_shipment(shipment, "shipment.sent")
    if wants_store_update(channel):
        order.store_update_due = True


def mark_error(shipment: Shipment, problem: ExportProblem, message: str) -> None:
    shipment.export_status = ExportStatus.ERROR
    shipment.export_problem = problem
    shipment.export_error = message[:2000]
    outbox.record_shipment(shipment, "shipment.failed")


def mark_not_written(shipment: Shipment) -> None:
    """The store did not take it (or it is not among the store's shipments): safe to send again."""
    shipment.export_status = ExportStatus.WAITING


def settled(shipment: Shipment, settle_seconds: float) -> bool:
    """Whether the request that last went out for it is certainly over (answered, timed out, or dead)."""
    last = shipment.last_attempt_at
    return last is None or (utcnow() - last).total_seconds() >= settle_seconds


def store_lines(shipment: Shipment) -> tuple[tuple[int, int], ...]:
    """The shipment's lines as the store knows them: (store line id, quantity), sorted."""
    return tuple(sorted((line.order_line.external_line_id, line.quantity) for line in shipment.lines))


def _same_tracking(ours: str, theirs: str | None) -> bool:
    return (theirs or "").strip().casefold() == ours.strip().casefold()


def match_on_store(
    unsure: Sequence[Shipment], on_store: Iterable[ShipmentRecord], claimed: Iterable[int]
) -> dict[int, int]:
    """Shipment id -> the store shipment that is it: same tracking number, same lines and quantities, and not
    already the confirmed copy of another of our shipments."""
    taken = set(claimed)
    free = sorted((s for s in on_store if s.external_id not in taken), key=lambda s: s.external_id)
    matches: dict[int, int] = {}
    for shipment in unsure:
        wanted = store_lines(shipment)
        for record in free:
            if _same_tracking(shipment.tracking_number, record.tracking_number) and (
                tuple(sorted(record.lines)) == wanted
            ):
                matches[shipment.id] = record.external_id
                free.remove(record)
                break
    return matches


def retry(shipment: Shipment) -> bool:
    """A user's Retry of a shipment in ERROR: it waits for the next run. False when it was not in error."""
    if shipment.export_status != ExportStatus.ERROR:
        return False
    shipment.export_status = ExportStatus.WAITING
    shipment.export_problem = None
    shipment.export_error = ""
    return True


def retry_store_update(order: SalesOrder) -> bool:
    """A user's Retry of the order update the store refused. False when there was no such error."""
    if not order.store_update_error:
        return False
    order.store_update_error = ""
    order.store_update_due = True
    return True
