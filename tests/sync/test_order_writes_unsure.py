"""Store writes after an unsure answer (issue #22), against the simulator: one read of the order settles
every unsure write of that order, a void is sent again without a read (a 404 then means the unsure try did
it), and a request the store never received (connection refused) is not unsure at all."""

from __future__ import annotations

import socket

from extensions import db
from models.orders import SalesOrder
from models.shipments import ExportStatus, Shipment
from models.store_writes import StoreWrite, WriteState
from services.orders import store_writes
from sync import order_writes
from tests.support.shipments import export_channel, export_now, imported_orders, ship, store_shipments


def refreshed(write: StoreWrite) -> StoreWrite:
    db.session.expire_all()
    return db.session.get(StoreWrite, write.id)


def try_once(write: StoreWrite) -> WriteState:
    """The job's one try: unfinished writes raise, as RQ sees them."""
    try:
        return order_writes.execute(write.id)
    except order_writes.TryAgainLater:
        return refreshed(write).state


def api_notes(simulator, store, order: SalesOrder) -> list[str]:
    payload = simulator.admin("GET", f"/stores/{store.subdomain}/orders/{order.external_id}/payload")
    return [n["note"] for n in payload["notes"] if n["username"] == "API"]


def test_one_read_of_the_order_settles_all_its_unsure_writes(simulator, world):
    store, channel = export_channel(simulator, world, orders=6, seed=131)
    order = imported_orders(channel)[0]
    cancel = store_writes.request_cancel(order, None)
    note = store_writes.request_note(order, None, "Leave at the back door")
    db.session.commit()
    # The cancel stands, its answer lost; the note is answered 500 before the store acts.
    simulator.set_faults(store, script=["drop_after", "500"])
    assert [try_once(cancel), try_once(note)] == [WriteState.UNSURE, WriteState.UNSURE]

    assert try_once(cancel) == WriteState.DONE  # one GET: the cancel is there, the note is not
    assert refreshed(note).state == WriteState.QUEUED
    assert try_once(note) == WriteState.DONE  # sent again without a read of its own
    assert (refreshed(cancel).calls, refreshed(note).calls) == (2, 2)
    assert simulator.calls(store)["total"] == 4
    assert simulator.calls(store)["per_route"]["GET /api/v2.7.0/orders/<int:order_id>"] == 1
    assert api_notes(simulator, store, order) == ["Leave at the back door"]


def test_a_void_whose_answer_was_lost_is_sent_again_without_a_read(simulator, world):
    store, channel = export_channel(simulator, world, orders=6, seed=137)
    order = imported_orders(channel)[0]
    wrong = ship(order, [line.quantity for line in order.lines if line.is_physical], "1ZVOIDME")
    export_now(channel)
    simulator.reset_calls(store)
    void = store_writes.request_void(order, db.session.get(Shipment, wrong.id), None)
    db.session.commit()
    simulator.set_faults(store, script=["drop_after"])  # deleted, answer lost
    assert try_once(void) == WriteState.UNSURE

    assert try_once(void) == WriteState.DONE  # DELETE again: 404, the first one stood
    void = refreshed(void)
    assert (void.attempts, void.calls) == (2, 2) and "no longer on the store" in void.store_successes[0]
    assert "GET /api/v2.7.0/orders/<int:order_id>" not in simulator.calls(store)["per_route"]
    assert db.session.get(Shipment, wrong.id).export_status == ExportStatus.VOIDED
    assert store_shipments(simulator, store, [order.external_id]) == []


def test_a_refused_connection_is_not_unsure_the_write_waits_and_goes_once(simulator, world, app):
    store, channel = export_channel(simulator, world, orders=6, seed=139)
    order = imported_orders(channel)[0]
    note = store_writes.request_note(order, None, "Ring twice")
    db.session.commit()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    routed = app.config["BRIGHTSITES_ROUTE_TO"]
    app.config["BRIGHTSITES_ROUTE_TO"] = closed
    try:
        assert try_once(note) == WriteState.QUEUED  # nothing reached the store: nothing to check
    finally:
        app.config["BRIGHTSITES_ROUTE_TO"] = routed
    assert "did not take the request" in refreshed(note).error

    assert try_once(note) == WriteState.DONE
    assert simulator.calls(store)["total"] == 1  # the PUT alone: no read before it
    assert api_notes(simulator, store, order) == ["Ring twice"]
