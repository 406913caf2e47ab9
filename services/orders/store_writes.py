"""Writes to a store order an operator asks for on the order page (Cancel, Note, Void a shipment): the
request (refused when it makes no sense, audited), and what the store's answer changes in techOMS. The job
that carries a write out is sync/order_writes.py. Functions never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from extensions import db
from models.base import utcnow
from models.orders import OrderStatus, SalesOrder, SalesOrderLine
from models.shipments import ExportStatus, Shipment, ShipmentOrigin
from models.store_writes import ACTIVE_STATES, StoreWrite, WriteKind, WriteState
from models.tenancy import User
from services import audit
from services.orders import store_cancel
from services.shipments import recording

NOTE_LENGTH = 1000


class WriteRefused(Exception):
    """The write cannot be asked for now; the message says why."""


def order_writes(order: SalesOrder) -> list[StoreWrite]:
    return list(
        db.session.scalars(select(StoreWrite).where(StoreWrite.order_id == order.id).order_by(StoreWrite.id))
    )


def _in_flight(order: SalesOrder, kind: WriteKind) -> bool:
    return (
        db.session.scalar(
            select(StoreWrite.id).where(
                StoreWrite.order_id == order.id, StoreWrite.kind == kind, StoreWrite.state.in_(ACTIVE_STATES)
            )
        )
        is not None
    )


def _new(
    order: SalesOrder, kind: WriteKind, user: User | None, why: str | None = None, **fields: Any
) -> StoreWrite:
    if order.channel.deleted_at is not None:
        raise WriteRefused("The order's channel is deleted: nothing can be sent to its store.")
    if _in_flight(order, kind):
        raise WriteRefused(
            f"A {kind.label.lower()} of order {order.number} is already on its way to the store."
        )
    write = StoreWrite(
        account_id=order.account_id,
        channel_id=order.channel_id,
        order_id=order.id,
        kind=kind,
        requested_by_id=user.id if user else None,
        state=WriteState.QUEUED,
        answer={},
        **fields,
    )
    db.session.add(write)
    audit.record(order.channel, user, f"store_{kind.value}_requested", f"order {order.number}", new=why)
    return write


def request_cancel(order: SalesOrder, user: User | None) -> StoreWrite:
    if order.status == OrderStatus.CANCELLED or order.store_status == "canceled":
        raise WriteRefused(f"Order {order.number} is cancelled already.")
    return _new(order, WriteKind.CANCEL, user)


def request_note(order: SalesOrder, user: User | None, text: str) -> StoreWrite:
    text = text.strip()
    if not text:
        raise WriteRefused("Write the note first.")
    return _new(order, WriteKind.NOTE, user, note=text[:NOTE_LENGTH])


def notes_of(order: SalesOrder) -> list[StoreWrite]:
    """The notes techOMS wrote (or is writing) to the store order, oldest first. techOMS keeps no copy of the
    store's own notes list: these are the notes its operators added, with where each stands."""
    return list(
        db.session.scalars(
            select(StoreWrite)
            .where(StoreWrite.order_id == order.id, StoreWrite.kind == WriteKind.NOTE)
            .order_by(StoreWrite.id)
        )
    )


def acknowledgement_status(order: SalesOrder) -> str:
    """In progress, or Back ordered when the stock held for the order is short of what it still needs."""
    short = any(
        line.is_physical and line.variant_id is not None and line.allocated_quantity < line.remaining_quantity
        for line in order.lines
    )
    return "back_ordered" if short else "in_progress"


def request_acknowledge(order: SalesOrder, user: User | None) -> StoreWrite:
    """Tell the store fulfilment has started. An order awaiting Manager Order Approval (MOAS) takes no status
    change on the store: refused here without a call."""
    if order.store_status == "moas_pending":
        raise WriteRefused(
            f"Order {order.number} awaits Manager Order Approval (MOAS) on the store, and Bright Sites "
            "refuses status changes before approval. Acknowledge it once it is approved."
        )
    if order.status in (OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.NOT_FOR_FULFILMENT):
        raise WriteRefused(f"Order {order.number} is {order.status.label}: there is nothing to acknowledge.")
    return _new(order, WriteKind.ACKNOWLEDGE, user, store_status=acknowledgement_status(order))


def acknowledge_when_fulfilment_starts(order: SalesOrder, user: User | None) -> StoreWrite | None:
    """Advanced settings › "Mark orders In progress on the store when fulfilment starts", called as a
    shipment is recorded in techOMS (Add shipment, or a fulfilment system through the API; the caller queues
    the write after its commit). Fulfilment has started when a shipment is recorded and units are still left
    to ship: the store order becomes In progress, or Back ordered when the stock held for what is left is
    short. Once per order (a manual Acknowledge counts). Nothing is asked for, and no call made, when the
    order was shipped in full at once (the shipment and the status after a shipment tell the store), awaits
    MOAS approval (Bright Sites refuses status changes), or already shows that status on the store."""
    if not order.channel.acknowledge_when_fulfilment_starts or order.channel.deleted_at is not None:
        return None
    if order.status != OrderStatus.PARTIALLY_SHIPPED or order.store_status == "moas_pending":
        return None
    acknowledged = select(StoreWrite.id).where(
        StoreWrite.order_id == order.id, StoreWrite.kind == WriteKind.ACKNOWLEDGE
    )
    if db.session.scalar(acknowledged.limit(1)) is not None:
        return None
    status = acknowledgement_status(order)
    if order.store_status == status:
        return None
    return _new(order, WriteKind.ACKNOWLEDGE, user, why="fulfilment started", store_status=status)


def request_void(order: SalesOrder, shipment: Shipment, user: User | None) -> StoreWrite:
    if shipment.origin != ShipmentOrigin.TECHOMS or shipment.export_status != ExportStatus.SENT:
        raise WriteRefused(
            f"Shipment {shipment.tracking_number} is not a techOMS shipment on the store: nothing to void."
        )
    return _new(
        order,
        WriteKind.VOID_SHIPMENT,
        user,
        shipment_id=shipment.id,
        store_shipment_id=shipment.store_shipment_id,
    )


# --- what the store's answer changes ----------------------------------------------------------------


def applied_on_store(write: StoreWrite, store_order: dict[str, Any]) -> bool:
    """After an unsure outcome: whether the order as the store shows it carries the write already."""
    if write.kind == WriteKind.CANCEL:
        return store_order.get("status") == "canceled"
    if write.kind == WriteKind.NOTE:
        return any((n or {}).get("note") == write.note for n in store_order.get("notes") or [])
    if write.kind == WriteKind.ACKNOWLEDGE:
        return store_order.get("status") == write.store_status
    ids = {(s or {}).get("id") for s in store_order.get("shipments") or []}
    return write.store_shipment_id not in ids


def unsure_writes(order: SalesOrder, *, but: StoreWrite) -> list[StoreWrite]:
    """The order's other writes waiting for a read of the order after an unsure answer."""
    return list(
        db.session.scalars(
            select(StoreWrite).where(
                StoreWrite.order_id == order.id,
                StoreWrite.id != but.id,
                StoreWrite.state == WriteState.UNSURE,
                StoreWrite.kind != WriteKind.VOID_SHIPMENT,  # sent again without a read (sync/order_writes)
            )
        )
    )


def moot(write: StoreWrite) -> str | None:
    """Why a queued write is no longer to be sent (checked before each request, no call), or None. An
    acknowledgement that would reach the store after the order was shipped in full or cancelled would undo
    what the store shows; one for an order now awaiting MOAS approval would be refused."""
    order = write.order
    if write.kind != WriteKind.ACKNOWLEDGE:
        return None
    if order.status in (OrderStatus.SHIPPED, OrderStatus.CANCELLED) or order.store_status == "canceled":
        return f"Not sent: order {order.number} is {order.status.label.lower()} now, nothing to acknowledge."
    if order.store_status == "moas_pending":
        return f"Not sent: order {order.number} awaits Manager Order Approval (MOAS) on the store."
    return None


def overtaken_on_store(write: StoreWrite, store_order: dict[str, Any]) -> str | None:
    """After an unsure acknowledgement that did not stand: the store moved the order past In progress
    meanwhile (shipped, completed, cancelled), so sending it now would undo that. None: send it again."""
    status = store_order.get("status")
    if write.kind == WriteKind.ACKNOWLEDGE and status in ("shipped", "completed", "canceled"):
        return f"Not sent: the store shows order {write.order.number} {status} already."
    return None


def finish(write: StoreWrite, answer: dict[str, Any]) -> None:
    """The store did it: keep its answer and apply what follows in techOMS."""
    write.state = WriteState.DONE
    write.answer = answer
    write.error = ""
    write.finished_at = utcnow()
    order = write.order
    if write.kind == WriteKind.CANCEL:
        store_cancel.cancel(order, "canceled")
    elif write.kind == WriteKind.ACKNOWLEDGE:
        order.store_status = write.store_status or order.store_status
    elif write.kind == WriteKind.VOID_SHIPMENT and write.shipment_id is not None:
        _void(order, db.session.get(Shipment, write.shipment_id))


def fail(write: StoreWrite, message: str) -> None:
    write.state = WriteState.FAILED
    write.error = message[:2000]
    write.finished_at = utcnow()


def _void(order: SalesOrder, shipment: Shipment) -> None:
    """Its quantities no longer count as shipped (the stock they took stays taken: the package left); the
    corrected shipment is added and exported like any other."""
    if shipment.export_status == ExportStatus.VOIDED:
        return
    shipment.export_status = ExportStatus.VOIDED
    for line in shipment.lines:
        db.session.execute(
            update(SalesOrderLine)
            .where(SalesOrderLine.id == line.order_line_id)
            .values(shipped_quantity=SalesOrderLine.shipped_quantity - line.quantity)
            .execution_options(synchronize_session=False)
        )
    if order.status in (OrderStatus.SHIPPED, OrderStatus.PARTIALLY_SHIPPED):
        recording.derive_status(order)
        if all((line.shipped_quantity or 0) == 0 for line in order.lines):
            order.status = OrderStatus.RELEASED
        if order.status != OrderStatus.SHIPPED:
            order.closed_at = None
