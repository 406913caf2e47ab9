"""Carry out one write to a store order (models/store_writes.py) exactly once.

A write is claimed (QUEUED -> SENDING, committed) before its request leaves. The store's answer finishes it
(DONE, with its success/errors lists) or refuses it (FAILED: 4xx). No answer to rely on (5xx, a dropped
connection, a timeout, a worker killed mid-request) leaves it UNSURE. What happens next depends on the write:
  * a cancel, a note or an acknowledgement is not sent again on faith: the order is read on the store first
    (one GET), and that one read settles every unsure write of the order, not only this one (an
    acknowledgement whose order the store shows shipped, completed or cancelled by then is not sent);
  * a shipment void (DELETE) is safe to send again: the store answers 404 once the shipment is gone, and
    after an unsure try that means the try did it; so it is sent again without a read.
A request the store never received (a 429 turned away, a connection refused) is not unsure: the write waits
for the job's next try. Every billed call is counted on the write and in the channel's API cost (action
"store_writes").
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


# Sending it again does no more than sending it once (a DELETE the store answers 404 after an unsure try was
# done by that try): no read is needed after an unsure answer.
RESENT_WITHOUT_READ = frozenset({WriteKind.VOID_SHIPMENT})


def _carry_out(client: BrightSitesClient, write: StoreWrite) -> None:
    after_unsure = write.state in (WriteState.SENDING, WriteState.UNSURE)  # sent before, no sure answer
    if after_unsure:
        if write.kind in RESENT_WITHOUT_READ:
            write.state = WriteState.QUEUED
        elif not _settle_unsure(client, write):
            return
    moot = store_writes.moot(write)
    if moot is not None:
        store_writes.fail(write, moot)
        return
    if not _claim(write):
        return
    db.session.commit()  # on record before the request leaves: after a crash it is checked, not resent
    try:
        answer = _send(client, write)
    except bs_errors.NotFound as refused:
        if write.kind == WriteKind.VOID_SHIPMENT and after_unsure:  # the earlier unsure try did it
            store_writes.finish(write, {"success": [_GONE.format(write.store_shipment_id)], "errors": []})
        else:
            store_writes.fail(write, f"The store refused it: {refused}")
    except (bs_errors.ValidationFailed, bs_errors.PermissionDenied) as refused:
        store_writes.fail(write, f"The store refused it: {refused}")
    except bs_errors.AuthenticationError as refused:
        store_writes.fail(write, f"The store refused the channel's access token: {refused}")
    except (bs_errors.RateLimited, bs_errors.NotSent) as error:
        write.state, write.error = (
            WriteState.QUEUED,
            f"the store did not take the request ({error}); nothing was written",
        )
    except bs_errors.BrightSitesError as error:
        then = "sent again" if write.kind in RESENT_WITHOUT_READ else "checked on the store first"
        write.state, write.error = WriteState.UNSURE, f"no sure answer ({error}); {then}"
    else:
        store_writes.finish(write, answer)


_GONE = "Shipment {} was no longer on the store after an unsure answer: the void stood"


def _settle_unsure(client: BrightSitesClient, write: StoreWrite) -> bool:
    """Read the order once; settle this write and the order's other unsure writes from that read. True when
    this write is to be sent again (it is not on the store)."""
    try:
        store_order = client.get_order(write.order.external_id)
    except bs_errors.NotFound:
        store_writes.fail(write, "The store no longer has the order.")
        return False
    except bs_errors.BrightSitesError as error:
        write.error = f"the order could not be read on the store to check an unsure answer ({error})"
        return False
    for other in store_writes.unsure_writes(write.order, but=write):
        _settle_from(other, store_order)
    if store_writes.applied_on_store(write, store_order):
        store_writes.finish(write, {"success": ["Found on the store after an unsure answer"], "errors": []})
        return False
    overtaken = store_writes.overtaken_on_store(write, store_order)
    if overtaken is not None:
        store_writes.fail(write, overtaken)
        return False
    write.state = WriteState.QUEUED
    return True


def _settle_from(write: StoreWrite, store_order: dict) -> None:
    """Another unsure write of the same order: done if the read shows it, else queued to be sent again without
    a read of its own (taken only if still unsure: its own job may hold it now)."""
    applied = store_writes.applied_on_store(write, store_order)
    taken = db.session.execute(
        update(StoreWrite)
        .where(StoreWrite.id == write.id, StoreWrite.state == WriteState.UNSURE)
        .values(state=WriteState.SENDING if applied else WriteState.QUEUED)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(write, ["state"])
    if taken.rowcount == 1 and applied:
        store_writes.finish(write, {"success": ["Found on the store after an unsure answer"], "errors": []})
    elif taken.rowcount == 1:
        write.error = "not on the store after an unsure answer (read with another write of the order)"


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
