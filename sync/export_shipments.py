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

Several requests are in flight at once (the channel's `detail_concurrency`, through the run's fetch threads,
sync/executor.py), each passing the store's shared call rate: the run's thread prepares and claims the next
shipment only as a request slot frees up, and reads every answer back in the order the calls were handed over
(sync/shipment_sending.py). When the run must stop (the store down for several orders in a row, a refused
token), it hands over nothing more and still records the answers of what is already in flight.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from connectors.brightsites import errors as bs_errors
from extensions import db
from models.activity import RunStatus
from models.orders import SalesOrder
from models.shipments import ExportStatus, Shipment
from services.mappings.resolvers import CarrierResolver
from services.shipments import export_state
from sync import shipment_sending
from sync.context import RunContext
from sync.errors import ChannelUnusable, StoreUnavailable
from sync.shipment_sending import (
    ReadOnlyToken,
    ShipmentExport,
    StoreCall,
    TurnedAway,
    Unreachable,
    Unsettled,
)

MAX_UNREACHABLE_IN_A_ROW = 5  # orders; past this the store is down: stop and let the job retry later
CALLS_AHEAD_PER_THREAD = 2  # calls handed over ahead of the answers read, per fetch thread
READ_ONLY = (
    "The store refused to create shipments with this channel's access token (it is read-only). Replace it "
    "with a Read/Write token under Advanced settings › Access Token; nothing was sent."
)


class _Stop:
    """Why the run hands over nothing more: the error to end it with, or a read-only token."""

    def __init__(self) -> None:
        self.error: Exception | None = None
        self.read_only = False
        self.in_a_row = 0

    def __bool__(self) -> bool:
        return self.error is not None or self.read_only


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
    state = ShipmentExport(ctx, CarrierResolver(channel))
    if channel.token_can_write is False:
        return _read_only(state)
    run.progress_total = export_state.unconfirmed_count(channel)
    run.progress_done = 0
    run.error_summary = ""  # a new attempt: what stopped the last one is in the events
    ctx.checkpoint()
    stop, handled = _Stop(), set()
    ahead = CALLS_AHEAD_PER_THREAD * max(1, channel.detail_concurrency)
    while True:
        in_flight: list[StoreCall] = []  # handed over, answer not read yet (answers come back in order)
        calls = _calls(state, stop, handled, in_flight, batch=ahead)
        for answer in ctx.details(calls, ahead=ahead):
            _take(state, stop, in_flight.pop(0), answer)
        ctx.checkpoint()  # the last answers (the others went with the next claims)
        if stop or not state.follow_ups:
            break  # else: store updates that became due after the last order was handed over
    if stop.read_only:
        channel.token_can_write = False
        return _read_only(state)
    if stop.error is not None:
        raise stop.error
    if state.unfinished:
        raise StoreUnavailable(
            f"{len(state.unfinished)} order(s) are not finished ({state.unfinished[0]}); "
            "what is unsure is checked on the store before anything is sent again."
        )
    return RunStatus.PARTIAL if state.counts["failed"] else RunStatus.SUCCEEDED


def _read_only(state: ShipmentExport) -> RunStatus:
    """Keep what was done, then end the run through the executor like every other failure (one event)."""
    state.ctx.checkpoint()
    raise ChannelUnusable(READ_ONLY)


def _calls(
    state: ShipmentExport, stop: _Stop, handled: set[int], in_flight: list[StoreCall], batch: int
) -> Iterator[StoreCall]:
    """The calls to make, prepared on the run's thread as the fetcher asks for the next: store updates that
    became due first, then the shipments of the next orders, claimed `batch` at a time and committed (with
    the answers read since) before any of them leaves. Shipments added or retried while the run goes on are
    picked up when the orders read so far are handed over."""
    queue: list[int] = []
    claimed: deque[StoreCall] = deque()
    while not stop:
        if not state.follow_ups and not claimed:
            if not queue:
                queue = [oid for oid in export_state.work_order_ids(state.channel) if oid not in handled]
            while queue and len(claimed) < batch and not stop:
                ids, queue = queue[:batch], queue[batch:]
                handled.update(ids)
                for order, shipments in shipment_sending.read_orders(ids):
                    if not stop:
                        _claim_order(state, stop, order, shipments, claimed)
            state.ctx.checkpoint()  # the claims are on record before their requests leave
        if state.follow_ups:
            call = state.follow_ups.popleft()
        elif claimed:
            call = claimed.popleft()
        else:
            return
        in_flight.append(call)
        yield call
    _hand_back(state, claimed)


def _claim_order(
    state: ShipmentExport,
    stop: _Stop,
    order: SalesOrder,
    shipments: list[Shipment],
    claimed: deque[StoreCall],
) -> None:
    """One order prepared: its waiting shipments claimed (not yet committed) into `claimed`, or its store
    update queued when nothing of it is left to send (a PUT that failed earlier)."""
    try:
        work = shipment_sending.prepare(state, order, shipments)
    except (Unsettled, TurnedAway) as reason:
        state.unfinished.append(str(reason))
        return
    except Unreachable as reason:
        _unreachable(state, stop, str(reason))
        return
    except (bs_errors.AuthenticationError, bs_errors.PermissionDenied) as refused:
        stop.error = refused
        return
    if work is None:
        return
    state.orders[order.id] = work
    for shipment in [s for s in work.shipments if s.export_status == ExportStatus.WAITING]:
        call = shipment_sending.claimed_call(state, order, shipment)
        if call is not None:
            work.in_flight += 1
            claimed.append(call)
    if work.in_flight == 0 and (update := shipment_sending.update_call(state, work)) is not None:
        state.follow_ups.append(update)


def _hand_back(state: ShipmentExport, claimed: deque[StoreCall]) -> None:
    """The run stops: shipments claimed but never handed over go back to waiting (no request left)."""
    for call in claimed:
        export_state.mark_not_written(call.shipment)
        state.orders[call.order.id].unfinished = True
    state.ctx.checkpoint()


def _take(state: ShipmentExport, stop: _Stop, call: StoreCall, answer: Any) -> None:
    """One answer read back on the run's thread (committed with the next claims, or at the end: lost in a
    crash before that, a sent shipment stays "sending" and is found on the store, not sent again); the
    order's store update handed over once every call of it is answered for sure."""
    work = state.orders[call.order.id]
    if call.shipment is not None:
        work.in_flight -= 1
    try:
        if call.shipment is None:
            shipment_sending.read_update_answer(state, call, answer)
        else:
            shipment_sending.read_shipment_answer(state, call.order, call.shipment, answer)
        stop.in_a_row = 0
    except TurnedAway as reason:
        work.unfinished = True
        state.unfinished.append(str(reason))
    except Unreachable as reason:
        work.unfinished = True
        _unreachable(state, stop, str(reason))
    except ReadOnlyToken:
        work.unfinished = True
        stop.read_only = True
    except bs_errors.AuthenticationError as refused:
        work.unfinished = True
        stop.error = refused
    if call.shipment is not None and work.in_flight == 0 and not work.unfinished and not stop:
        update = shipment_sending.update_call(state, work)
        if update is not None:
            state.follow_ups.append(update)


def _unreachable(state: ShipmentExport, stop: _Stop, reason: str) -> None:
    state.unfinished.append(reason)
    stop.in_a_row += 1
    if stop.in_a_row >= MAX_UNREACHABLE_IN_A_ROW and stop.error is None:
        stop.error = StoreUnavailable(f"{stop.in_a_row} orders in a row: {reason}")
