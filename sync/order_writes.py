"""Carry out one write to a store order (models/store_writes.py) exactly once.

A write is claimed (QUEUED -> SENDING, committed) before its request leaves. The store's answer finishes it
(DONE, with its success/errors lists) or refuses it (FAILED: 4xx). No answer to rely on (5xx, a dropped
connection, a timeout, a worker killed mid-request) leaves it UNSURE: before anything is sent again, the
order is read on the store (one GET) and the write is confirmed if it is there. A 429 the client could not
wait out sends nothing: the write waits for the job's next try. Every billed call is counted on the write and
in the channel's API cost (action "store_writes").
"""

from __future__ import annotations

from sqlalchemy import update

from connectors.brightsites import errors as bs_errors
from connectors.brightsites.client import BrightSitesClient
from extensions import db
from models.store_writes import StoreWrite, WriteKind, WriteState
from services.api_cost import usage
from services.channels import store_connection
from services.orders import store_writes

COST_ACTION = "store_writes"


class TryAgainLater(Exception):
    """The write is not finished (unsure, or turned away): the job tries it again later."""


def execute(write_id: int) -> WriteState | None:
    write = db.session.get(StoreWrite, write_id)
    if write is None or write.state in (WriteState.DONE, WriteState.FAILED):
        return write.state if write else None
    tally = usage.CallTally()
    client = store_connection.client_for_channel(write.order.channel, on_call=tally)
    try:
        _carry_out(client, write)
    finally:
        write.calls += tally.calls
        usage.add(write.channel_id, COST_ACTION, tally.calls)
        db.session.commit()
    if write.state not in (WriteState.DONE, WriteState.FAILED):
        raise TryAgainLater(f"store write {write.id}: {write.error or write.state.value}")
    return write.state


def _carry_out(client: BrightSitesClient, write: StoreWrite) -> None:
    if write.state in (WriteState.SENDING, WriteState.UNSURE):  # sent before without a sure answer
        try:
            store_order = client.get_order(write.order.external_id)
        except bs_errors.NotFound:
            store_writes.fail(write, "The store no longer has the order.")
            return
        except bs_errors.BrightSitesError as error:
            write.error = f"the order could not be read on the store to check an unsure answer ({error})"
            return
        if store_writes.applied_on_store(write, store_order):
            store_writes.finish(
                write, {"success": ["Found on the store after an unsure answer"], "errors": []}
            )
            return
        write.state = WriteState.QUEUED
    if not _claim(write):
        return
    db.session.commit()  # on record before the request leaves: after a crash it is checked, not resent
    try:
        answer = _send(client, write)
    except (bs_errors.ValidationFailed, bs_errors.NotFound, bs_errors.PermissionDenied) as refused:
        store_writes.fail(write, f"The store refused it: {refused}")
    except bs_errors.AuthenticationError as refused:
        store_writes.fail(write, f"The store refused the channel's access token: {refused}")
    except bs_errors.RateLimited as error:
        write.state, write.error = (
            WriteState.QUEUED,
            f"turned away by the store ({error}); nothing was written",
        )
    except bs_errors.BrightSitesError as error:
        write.state, write.error = WriteState.UNSURE, f"no sure answer ({error}); checked on the store first"
    else:
        store_writes.finish(write, answer)


def _claim(write: StoreWrite) -> bool:
    taken = db.session.execute(
        update(StoreWrite)
        .where(StoreWrite.id == write.id, StoreWrite.state == WriteState.QUEUED)
        .values(state=WriteState.SENDING, attempts=StoreWrite.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(write, ["state", "attempts"])
    return taken.rowcount == 1


def _send(client: BrightSitesClient, write: StoreWrite) -> dict:
    order_id = write.order.external_id
    if write.kind == WriteKind.CANCEL:
        answer = client.cancel_order(order_id)
        return {
            "success": [str(s) for s in (answer or {}).get("success") or []],
            "errors": [str(e) for e in (answer or {}).get("errors") or []],
        }
    if write.kind == WriteKind.NOTE:
        client.update_order(order_id, note=write.note)
        return {"success": ["Note added"], "errors": []}
    if write.kind == WriteKind.ACKNOWLEDGE:
        client.update_order(order_id, status=write.store_status)
        return {"success": [f"Status set to {write.store_status}"], "errors": []}
    client.delete_shipment(order_id, write.store_shipment_id)
    return {"success": [f"Shipment {write.store_shipment_id} deleted"], "errors": []}
