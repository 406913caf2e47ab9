"""One order's part of Export shipments (sync/export_shipments.py runs them): what is unsure is looked for on
the store first, then each waiting shipment is checked, claimed (committed) and handed over as a `StoreCall`
whose request a fetch thread makes; its answer comes back here, to the run's thread, which alone touches the
database. Once every call of an order is answered, its store update (one PUT) is handed over the same way.

Exceptions say why an order is not finished now; the run decides what they mean for the others.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from connectors.brightsites import errors as bs_errors
from connectors.brightsites import statuses, translate
from connectors.brightsites.client import BrightSitesClient
from extensions import db
from models.activity import EventLevel
from models.orders import OrderStatus, SalesOrder
from models.shipments import ExportProblem, ExportStatus, Shipment
from services.mappings.resolvers import CarrierResolver
from services.shipments import export_state
from services.shipments import queries as shipment_queries
from sync import export_guards, runs, store_order_update
from sync.context import RunContext, RunWork


class Unreachable(Exception):
    """This order could not be finished now (the store did not answer, or answered unsure): try it later."""


class Unsettled(Exception):
    """A request for one of the order's shipments went out moments ago and may still be in flight: the order
    waits, without a call. Not a sign of the store being down."""


class TurnedAway(Exception):
    """The store answered 429 past what the client waits out: nothing was written, so it is not a sign of
    an outage (no count towards the orders in a row) and the order is tried again later."""


class ReadOnlyToken(Exception):
    """403 on a write: the token can read but not write."""


@dataclass(frozen=True)
class StoreCall:
    """One write a fetch thread makes: a shipment's POST, or (shipment None) the order's PUT. The thread reads
    only `external_order_id` and `body`; the ORM objects stay for the run's thread."""

    order: SalesOrder
    shipment: Shipment | None
    external_order_id: int
    body: dict[str, Any]


def perform(client: BrightSitesClient, call: StoreCall) -> Any:
    """The action's `detail` getter (sync/actions.py): runs on a fetch thread."""
    if call.shipment is None:
        return client.update_order(call.external_order_id, **call.body)
    return client.create_shipment(call.external_order_id, call.body)


@dataclass
class OrderWork:
    order: SalesOrder
    shipments: list[Shipment]
    in_flight: int = 0
    unfinished: bool = False  # a call of it was not answered for sure: no store update in this run


@dataclass
class ShipmentExport(RunWork):
    ctx: RunContext
    carriers: CarrierResolver
    unfinished: list[str] = field(default_factory=list)
    unknown_methods: set[str] = field(default_factory=set)  # warned about once per run
    orders: dict[int, OrderWork] = field(default_factory=dict)
    follow_ups: deque[StoreCall] = field(default_factory=deque)  # store updates due, sent before new orders


def event(state: ShipmentExport, level: EventLevel, message: str, order: SalesOrder) -> None:
    runs.add_event(state.run, level, message, order=order, external_order_id=order.external_id)


def read_orders(order_ids: list[int]) -> list[tuple[SalesOrder, list[Shipment]]]:
    """A batch of orders and their shipments read afresh (over what the session holds), in three queries."""
    orders = db.session.scalars(
        select(SalesOrder).where(SalesOrder.id.in_(order_ids)).execution_options(populate_existing=True)
    )
    by_id = {order.id: order for order in orders}
    shipments = shipment_queries.orders_shipments(list(by_id), fresh=True)
    return [(by_id[oid], shipments.get(oid, [])) for oid in order_ids if oid in by_id]


def prepare(state: ShipmentExport, order: SalesOrder, shipments: list[Shipment]) -> OrderWork | None:
    """What is unsure of the order's shipments (as just read) reconciled, and the order's work to do (None:
    a cancelled order or an unapproved MOAS order, settled here without a call)."""
    unsure = [s for s in shipments if s.export_status == ExportStatus.SENDING]
    settle = current_app.config["SHIPMENT_SETTLE_SECONDS"]
    if any(not export_state.settled(s, settle) for s in unsure):
        # Its request may still be in flight: neither looked for on the store nor sent again yet.
        raise Unsettled(f"order {order.number}: a shipment's request went out moments ago; checked later")
    if unsure:
        _reconcile(state, order, shipments, unsure)
    waiting = [s for s in shipments if s.export_status == ExportStatus.WAITING]
    if order.status == OrderStatus.CANCELLED or order.store_status == statuses.CANCELED:
        export_guards.stop_cancelled(state.ctx, order, waiting)
        return None
    if waiting and order.store_status == statuses.MOAS_PENDING:
        for shipment in waiting:
            fail(state, order, shipment, ExportProblem.MOAS_PENDING, _moas_message(order))
        return None
    return OrderWork(order, shipments)


def claimed_call(state: ShipmentExport, order: SalesOrder, shipment: Shipment) -> StoreCall | None:
    """The shipment's POST, claimed (the caller commits before it is handed over); None when it cannot be
    sent (an unmapped carrier: an Error) or another runner has it."""
    service = shipment.carrier_service
    mapped = state.carriers.to_channel(service.carrier.code, service.code)
    if mapped is None:
        message = (
            f"carrier {service.carrier.code} / {service.code} ({service.name}) has no carrier mapping on "
            "this channel, so techOMS does not know the store's shipping method for it. Add a Primary "
            "mapping under Carrier Mappings, then Retry."
        )
        fail(state, order, shipment, ExportProblem.UNMAPPED_CARRIER, message)
        return None
    export_guards.warn_unknown_method(state.ctx, order, mapped[0], state.unknown_methods)
    if not export_state.claim(shipment):
        return None  # another runner has it
    payload = translate.shipment_payload(
        export_state.store_lines(shipment),
        tracking_number=shipment.tracking_number,
        shipping_method=mapped[0],
        ship_date=shipment.ship_date,
        note=shipment.note,
        send_shipping_confirmation=state.channel.send_shipping_confirmation,
    )
    return StoreCall(order, shipment, order.external_id, payload)


def update_call(state: ShipmentExport, work: OrderWork) -> StoreCall | None:
    """After every shipment of the order is settled: its one PUT, when the options ask for one."""
    order = work.order
    if not order.store_update_due or order.store_update_error:
        return None
    if any(s.export_status in export_state.UNCONFIRMED for s in work.shipments):
        return None  # after every shipment of the order is settled: one PUT, not one per package
    fields = store_order_update.update_fields(state.channel, state.carriers, order, work.shipments)
    if not fields:
        order.store_update_due = False  # nothing to say yet (e.g. a status, but not all shipped)
        return None
    return StoreCall(order, None, order.external_id, fields)


def read_shipment_answer(state: ShipmentExport, order: SalesOrder, shipment: Shipment, answer: Any) -> None:
    """The POST's answer (or the BrightSitesError it raised) on record. Raises when the order is not done."""
    if isinstance(answer, bs_errors.ValidationFailed):
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in answer.field_errors.items()) or str(answer)
        message = f"the store refused it ({detail}). Correct the shipment or the order, then Retry."
        fail(state, order, shipment, ExportProblem.STORE_REFUSED, message)
        return
    if isinstance(answer, bs_errors.NotFound):
        fail(state, order, shipment, ExportProblem.ORDER_MISSING, _missing(order))
        return
    if isinstance(answer, bs_errors.AuthenticationError | bs_errors.PermissionDenied):
        export_state.mark_not_written(shipment)  # refused before the store did anything
        if isinstance(answer, bs_errors.PermissionDenied):
            raise ReadOnlyToken from None
        raise answer
    if isinstance(answer, bs_errors.RateLimited):
        export_state.mark_not_written(shipment)  # turned away, not processed
        raise TurnedAway(f"order {order.number}: {answer}")
    if isinstance(answer, bs_errors.NotSent):  # no connection: the store received nothing, nothing is unsure
        export_state.mark_not_written(shipment)
        raise Unreachable(f"order {order.number}: {answer}")
    if isinstance(answer, bs_errors.BrightSitesError):  # sent, outcome unknown: stays SENDING
        event(
            state,
            EventLevel.WARNING,
            f"Shipment {shipment.tracking_number} of order {order.number}: the store's answer is unknown "
            f"({answer}). The next attempt looks for it on the store before sending it again.",
            order,
        )
        raise Unreachable(f"order {order.number}: {answer}")
    try:
        store_id = translate.record_id(answer.get("id") if isinstance(answer, dict) else None)
    except translate.TranslationError:
        raise Unreachable(f"order {order.number}: the store answered without a shipment id") from None
    export_state.mark_sent(shipment, store_id, order, state.channel)
    state.counts["sent"] += 1
    state.run.progress_done += 1
    event(
        state,
        EventLevel.INFO,
        f"Shipment {shipment.tracking_number} of order {order.number} sent: store shipment {store_id}.",
        order,
    )


def read_update_answer(state: ShipmentExport, call: StoreCall, answer: Any) -> None:
    """The PUT's answer on record. Raises when the order is not done (or the token cannot write)."""
    order = call.order
    try:
        result = store_order_update.read_update_answer(order, call.body, answer)
    except bs_errors.PermissionDenied:
        raise ReadOnlyToken from None
    if result.unreachable:
        raise Unreachable(f"order {order.number}: the store order was not updated ({result.unreachable})")
    if result.refusal:
        order.store_update_error = result.refusal
        state.counts["failed"] += 1
        event(state, EventLevel.ERROR, result.refusal, order)
        return
    order.store_update_due = False
    state.counts["store_updates"] += 1
    described = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.fields.items())
    event(state, EventLevel.INFO, f"Store order {order.number} updated: {described}.", order)


def fail(
    state: ShipmentExport, order: SalesOrder, shipment: Shipment, problem: ExportProblem, message: str
) -> None:
    export_state.mark_error(shipment, problem, message)
    state.counts["failed"] += 1
    state.run.progress_done += 1
    event(state, EventLevel.ERROR, f"Shipment {shipment.tracking_number}: {message}", order)


def _moas_message(order: SalesOrder) -> str:
    return (
        f"Order {order.number} awaits Manager Order Approval (MOAS) on the store, and Bright Sites takes no "
        "changes to an order before it is approved: not sent. Once the order is approved on the store (the "
        "next order import sees it), Retry."
    )


def _reconcile(
    state: ShipmentExport, order: SalesOrder, shipments: list[Shipment], unsure: list[Shipment]
) -> None:
    """Unsure shipments: the store's list of the order's shipments says whether they arrived (a read on the
    run's thread: rare, and it must be answered before anything of the order is sent)."""
    try:
        listed = state.ctx.store.list_shipments(order.external_id)
    except bs_errors.NotFound:
        for shipment in unsure:
            fail(state, order, shipment, ExportProblem.ORDER_MISSING, _missing(order))
        return
    except (bs_errors.AuthenticationError, bs_errors.PermissionDenied):
        raise  # the executor pauses the channel: the token itself is refused
    except bs_errors.BrightSitesError as error:
        raise Unreachable(
            f"order {order.number}: its shipments on the store could not be read ({error})"
        ) from None
    records = []
    for raw in listed:
        try:
            records.append(translate.shipment(raw))
        except (translate.TranslationError, AttributeError, TypeError, ValueError):
            continue  # a record without a usable id or lines cannot be one of ours
    claimed = [s.store_shipment_id for s in shipments if s.store_shipment_id is not None]
    matches = export_state.match_on_store(unsure, records, claimed)
    for shipment in unsure:
        if shipment.id in matches:
            export_state.mark_sent(shipment, matches[shipment.id], order, state.channel)
            state.counts["reconciled"] += 1
            state.run.progress_done += 1
            event(
                state,
                EventLevel.INFO,
                f"Shipment {shipment.tracking_number} of order {order.number} was on the store after an "
                f"unsure answer (store shipment {matches[shipment.id]}): confirmed, not sent again.",
                order,
            )
        else:
            export_state.mark_not_written(shipment)
    state.ctx.checkpoint()


def _missing(order: SalesOrder) -> str:
    return (
        f"The store no longer has order {order.number} (404); nothing was sent. Check the order, then Retry."
    )
