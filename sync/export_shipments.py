"""Export shipments: each shipment the store has not confirmed becomes one
Bright Sites shipment (POST /orders/:id/shipments); then, when the channel's shipment options ask for it, one
PUT /orders/:id per order carries the status and the last shipment's tracking together. Exactly once.

Per order: shipments whose earlier request had an unsure outcome (timeout, dropped connection, 5xx, a worker
killed mid-request) are first looked for among the order's shipments on the store (GET, tracking number and
lines); what is there is confirmed, the rest is sent again. A shipment is claimed, and the claim committed,
before its POST; only the store's answer marks it sent; the client never retries a POST. A 422 or a vanished
store order is an Error on the shipment, and so are an unmapped carrier and an unapproved MOAS order (without
a call); errors wait for a user's Retry. A cancelled order (here or on the store) gets nothing more: its
waiting shipments become a Warning and are never sent. When the store cannot be reached the order waits,
the others go on (unless several fail in a row), and the run ends with StoreUnavailable so the job tries
again later.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app

from connectors.brightsites import errors as bs_errors
from connectors.brightsites import statuses, translate
from connectors.brightsites.client import BrightSitesClient
from extensions import db
from models.activity import EventLevel, RunStatus, SyncRun
from models.channels import SalesChannel
from models.orders import OrderStatus, SalesOrder
from models.shipments import ExportProblem, ExportStatus, Shipment
from services.mappings.resolvers import CarrierResolver
from services.shipments import export_state
from services.shipments import queries as shipment_queries
from sync import export_guards, runs, store_order_update
from sync.context import RunContext
from sync.errors import ChannelUnusable, StoreUnavailable

MAX_UNREACHABLE_IN_A_ROW = 5  # orders; past this the store is down: stop and let the job retry later
READ_ONLY = (
    "The store refused to create shipments with this channel's access token (it is read-only). Replace it "
    "with a Read/Write token under Advanced settings › Access Token; nothing was sent."
)


class _Unreachable(Exception):
    """This order could not be finished now (the store did not answer, or answered unsure): try it later."""


class _Unsettled(Exception):
    """A request for one of the order's shipments went out moments ago and may still be in flight: the order
    waits, without a call. Not a sign of the store being down."""


class _TurnedAway(Exception):
    """The store answered 429 past what the client waits out: nothing was written, so it is not a sign of
    an outage (no count towards the orders in a row) and the order is tried again later."""


class _ReadOnlyToken(Exception):
    """403 on a write: the token can read but not write."""


@dataclass
class _ShipmentExport:
    ctx: RunContext
    carriers: CarrierResolver
    unfinished: list[str] = field(default_factory=list)
    unknown_methods: set[str] = field(default_factory=set)  # warned about once per run

    @property
    def run(self) -> SyncRun:
        return self.ctx.run

    @property
    def channel(self) -> SalesChannel:
        return self.ctx.channel

    @property
    def client(self) -> BrightSitesClient:
        return self.ctx.store

    @property
    def counts(self) -> Counter:
        return self.ctx.counts


@contextmanager
def _objects_kept_across_commits() -> Iterator[None]:
    """Two commits per shipment (the claim before its request, the answer after) would otherwise expire every
    loaded object and reload it attribute by attribute. Safe here: each order and its shipments are read
    afresh (populate_existing) when its turn comes, and the claim re-reads what it changed."""
    session = db.session()
    previous, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = previous


def export_shipments(ctx: RunContext) -> RunStatus:
    with _objects_kept_across_commits():
        return _export(ctx)


def _export(ctx: RunContext) -> RunStatus:
    run, channel = ctx.run, ctx.channel
    ctx.counts.update(run.counts or {})  # a retried attempt goes on counting where the last one stopped
    state = _ShipmentExport(ctx, CarrierResolver(channel))
    if channel.token_can_write is False:
        return _read_only(state)
    run.progress_total = export_state.unconfirmed_count(channel)
    run.progress_done = 0
    run.error_summary = ""  # a new attempt: what stopped the last one is in the events
    state.ctx.checkpoint()
    handled: set[int] = set()
    in_a_row = 0
    try:
        # Shipments added or retried while the run goes on are picked up by the next round.
        while order_ids := [oid for oid in export_state.work_order_ids(channel) if oid not in handled]:
            for order_id in order_ids:
                handled.add(order_id)
                order = db.session.get(SalesOrder, order_id, populate_existing=True)
                try:
                    _export_order(state, order)
                    in_a_row = 0
                except (_Unsettled, _TurnedAway) as reason:
                    state.unfinished.append(str(reason))
                except _Unreachable as reason:
                    state.unfinished.append(str(reason))
                    in_a_row += 1
                if db.session.new or db.session.dirty:  # a sent shipment has committed already
                    state.ctx.checkpoint()
                if in_a_row >= MAX_UNREACHABLE_IN_A_ROW:
                    raise StoreUnavailable(f"{in_a_row} orders in a row: {state.unfinished[-1]}")
    except _ReadOnlyToken:
        channel.token_can_write = False
        state.ctx.checkpoint()
        return _read_only(state)
    if state.unfinished:
        raise StoreUnavailable(
            f"{len(state.unfinished)} order(s) are not finished ({state.unfinished[0]}); "
            "what is unsure is checked on the store before anything is sent again."
        )
    return RunStatus.PARTIAL if state.counts["failed"] else RunStatus.SUCCEEDED


def _read_only(state: _ShipmentExport) -> RunStatus:
    """Keep what was done, then end the run through the executor like every other failure (one event)."""
    state.ctx.checkpoint()
    raise ChannelUnusable(READ_ONLY)


def _event(state: _ShipmentExport, level: EventLevel, message: str, order: SalesOrder) -> None:
    runs.add_event(state.run, level, message, order=order, external_order_id=order.external_id)


def _export_order(state: _ShipmentExport, order: SalesOrder) -> None:
    shipments = shipment_queries.order_shipments(order, fresh=True)
    unsure = [s for s in shipments if s.export_status == ExportStatus.SENDING]
    settle = current_app.config["SHIPMENT_SETTLE_SECONDS"]
    if any(not export_state.settled(s, settle) for s in unsure):
        # Its request may still be in flight: neither looked for on the store nor sent again yet.
        raise _Unsettled(f"order {order.number}: a shipment's request went out moments ago; checked later")
    if unsure:
        _reconcile(state, order, shipments, unsure)
    waiting = [s for s in shipments if s.export_status == ExportStatus.WAITING]
    if order.status == OrderStatus.CANCELLED or order.store_status == statuses.CANCELED:
        export_guards.stop_cancelled(state.ctx, order, waiting)
        return
    if waiting and order.store_status == statuses.MOAS_PENDING:
        for shipment in waiting:
            _fail(state, order, shipment, ExportProblem.MOAS_PENDING, _moas_message(order))
        return
    for shipment in waiting:
        _send(state, order, shipment)
    _update_store_order(state, order, shipments)


def _moas_message(order: SalesOrder) -> str:
    return (
        f"Order {order.number} awaits Manager Order Approval (MOAS) on the store, and Bright Sites takes no "
        "changes to an order before it is approved: not sent. Once the order is approved on the store (the "
        "next order import sees it), Retry."
    )


def _fail(
    state: _ShipmentExport, order: SalesOrder, shipment: Shipment, problem: ExportProblem, message: str
) -> None:
    export_state.mark_error(shipment, problem, message)
    state.counts["failed"] += 1
    state.run.progress_done += 1
    _event(state, EventLevel.ERROR, f"Shipment {shipment.tracking_number}: {message}", order)


def _reconcile(
    state: _ShipmentExport, order: SalesOrder, shipments: list[Shipment], unsure: list[Shipment]
) -> None:
    """Unsure shipments: the store's list of the order's shipments says whether they arrived."""
    try:
        listed = state.client.list_shipments(order.external_id)
    except bs_errors.NotFound:
        for shipment in unsure:
            _fail(state, order, shipment, ExportProblem.ORDER_MISSING, _missing(order))
        return
    except (bs_errors.AuthenticationError, bs_errors.PermissionDenied):
        raise  # the executor pauses the channel: the token itself is refused
    except bs_errors.BrightSitesError as error:
        raise _Unreachable(
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
            _event(
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


def _send(state: _ShipmentExport, order: SalesOrder, shipment: Shipment) -> None:
    service = shipment.carrier_service
    mapped = state.carriers.to_channel(service.carrier.code, service.code)
    if mapped is None:
        message = (
            f"carrier {service.carrier.code} / {service.code} ({service.name}) has no carrier mapping on "
            "this channel, so techOMS does not know the store's shipping method for it. Add a Primary "
            "mapping under Carrier Mappings, then Retry."
        )
        _fail(state, order, shipment, ExportProblem.UNMAPPED_CARRIER, message)
        return
    export_guards.warn_unknown_method(state.ctx, order, mapped[0], state.unknown_methods)
    if not export_state.claim(shipment):
        return  # another runner has it
    db.session.commit()  # on record before the request leaves: after a crash it is reconciled, not resent
    payload = translate.shipment_payload(
        export_state.store_lines(shipment),
        tracking_number=shipment.tracking_number,
        shipping_method=mapped[0],
        ship_date=shipment.ship_date,
        note=shipment.note,
        send_shipping_confirmation=state.channel.send_shipping_confirmation,
    )
    try:
        answer = state.client.create_shipment(order.external_id, payload)
    except bs_errors.ValidationFailed as refused:
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in refused.field_errors.items()) or str(refused)
        message = f"the store refused it ({detail}). Correct the shipment or the order, then Retry."
        _fail(state, order, shipment, ExportProblem.STORE_REFUSED, message)
        return
    except bs_errors.NotFound:
        _fail(state, order, shipment, ExportProblem.ORDER_MISSING, _missing(order))
        return
    except (bs_errors.AuthenticationError, bs_errors.PermissionDenied) as refused:
        export_state.mark_not_written(shipment)  # refused before the store did anything
        state.ctx.checkpoint()
        if isinstance(refused, bs_errors.PermissionDenied):
            raise _ReadOnlyToken from None
        raise
    except bs_errors.RateLimited as error:
        export_state.mark_not_written(shipment)  # turned away, not processed
        state.ctx.checkpoint()
        raise _TurnedAway(f"order {order.number}: {error}") from None
    except bs_errors.NotSent as error:  # no connection: the store received nothing, so nothing is unsure
        export_state.mark_not_written(shipment)
        state.ctx.checkpoint()
        raise _Unreachable(f"order {order.number}: {error}") from None
    except bs_errors.BrightSitesError as error:  # sent, outcome unknown: stays SENDING
        _event(
            state,
            EventLevel.WARNING,
            f"Shipment {shipment.tracking_number} of order {order.number}: the store's answer is unknown "
            f"({error}). The next attempt looks for it on the store before sending it again.",
            order,
        )
        raise _Unreachable(f"order {order.number}: {error}") from None
    try:
        store_id = translate.record_id(answer.get("id") if isinstance(answer, dict) else None)
    except translate.TranslationError:
        raise _Unreachable(f"order {order.number}: the store answered without a shipment id") from None
    export_state.mark_sent(shipment, store_id, order, state.channel)
    state.counts["sent"] += 1
    state.run.progress_done += 1
    _event(
        state,
        EventLevel.INFO,
        f"Shipment {shipment.tracking_number} of order {order.number} sent: store shipment {store_id}.",
        order,
    )
    state.ctx.checkpoint()


def _update_store_order(state: _ShipmentExport, order: SalesOrder, shipments: list[Shipment]) -> None:
    if not order.store_update_due or order.store_update_error:
        return
    if any(s.export_status in export_state.UNCONFIRMED for s in shipments):
        return  # after every shipment of the order is settled: one PUT, not one per package
    try:
        result = store_order_update.update_store_order(
            state.client, state.channel, state.carriers, order, shipments
        )
    except bs_errors.PermissionDenied:
        raise _ReadOnlyToken from None
    if result.unreachable:
        raise _Unreachable(f"order {order.number}: the store order was not updated ({result.unreachable})")
    if result.refusal:
        order.store_update_error = result.refusal
        state.counts["failed"] += 1
        _event(state, EventLevel.ERROR, result.refusal, order)
        return
    order.store_update_due = False  # done, or nothing to say yet (e.g. a status, but not all shipped)
    if result.fields:
        state.counts["store_updates"] += 1
        described = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.fields.items())
        _event(state, EventLevel.INFO, f"Store order {order.number} updated: {described}.", order)
