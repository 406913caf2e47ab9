"""After a purge, nothing brings the customer data back: not a re-import of orders changed on the store, not a
retry of a pending order (end to end with the simulator and a real worker), and a purge killed half-way
resumes from where it stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import time_machine
from sqlalchemy import select, update

from extensions import db
from models.activity import PendingOrder, RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.orders import OrderAddress, OrderStatus, SalesOrder
from models.tenancy import Role
from sync import purge_pii, runs
from tests.support.purge import bulk_closed_orders, database_text, purge_now, purged_ids
from tests.support.sync import catalog_for, import_now, make_store, next_second, sync_channel, work
from tests.support.world import ROLE_EMAILS

ROOT = Path(__file__).resolve().parents[2]


def customer_data(order: SalesOrder) -> dict[str, set[str]]:
    """What the import stored of the order's customer: its unique e-mails, and names, phones, streets."""
    others = {order.customer_name, order.customer_phone}
    for address in order.addresses:
        others |= {address.first_name, address.last_name, address.line1, address.line2, address.phone}
    emails = {order.customer_email} | {address.email for address in order.addresses}
    return {"emails": emails - {None, ""}, "others": others - {None, ""}}


def assert_no_customer_data(order_id: int) -> None:
    db.session.expire_all()
    order = db.session.get(SalesOrder, order_id)
    assert order.pii_purged_at is not None
    assert customer_data(order) == {"emails": set(), "others": set()}, order.number
    assert {address.city for address in order.addresses} != {""}  # kept for reporting


def test_reimport_and_retry_after_a_purge_bring_no_pii_back(client, login, simulator, world):
    store = make_store(simulator, seed=21, products=3, orders=20, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(
        store, world.a.account, pii_retention_days=30, api_logging_until=utcnow() + timedelta(hours=24)
    )
    assert import_now(channel).status == RunStatus.SUCCEEDED
    shipped, cancelled, untouched = db.session.scalars(
        select(SalesOrder)
        .where(SalesOrder.channel_id == channel.id)
        .order_by(SalesOrder.external_id)
        .limit(3)
    ).all()
    # Cancelled on the store (the import closes it); shipped by fulfilment (that side sets it directly).
    simulator.mutate_order(store, cancelled.external_id, "cancel")
    next_second()
    import_now(channel)
    db.session.refresh(cancelled)
    assert cancelled.status == OrderStatus.CANCELLED and cancelled.closed_at is not None
    shipped.status = OrderStatus.SHIPPED
    db.session.execute(
        update(SalesOrder)
        .where(SalesOrder.id.in_([shipped.id, cancelled.id]))
        .values(closed_at=utcnow() - timedelta(days=31))
    )
    db.session.commit()
    gone = {
        kind: customer_data(shipped)[kind] | customer_data(cancelled)[kind] for kind in ("emails", "others")
    }
    assert len(gone["emails"]) == 2

    run = purge_now(channel)
    assert run.status == RunStatus.SUCCEEDED and purged_ids(channel) == {shipped.id, cancelled.id}

    # The store changes both orders: the next import re-lists them and reads the shipped one again.
    simulator.mutate_order(store, shipped.external_id, "status", status="shipped")
    simulator.mutate_order(store, cancelled.external_id, "edit")
    seen = cancelled.store_updated_at
    next_second()
    again = import_now(channel)
    assert again.status == RunStatus.SUCCEEDED and again.counts == {"locked": 1}  # the shipped one, re-read
    db.session.refresh(cancelled)
    assert cancelled.store_updated_at > seen  # the cancelled one was re-listed too
    # A read of the shipped order failed meanwhile: the operator retries it from Sync Actions.
    db.session.add(
        PendingOrder(
            channel_id=channel.id,
            external_id=shipped.external_id,
            number=shipped.number,
            reason=f"Order {shipped.external_id} could not be read from the store; it will be retried.",
        )
    )
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    response = client.post(f"/channels/{channel.id}/sync/orders/{shipped.external_id}/retry")
    assert response.status_code == 303
    work()
    retry = db.session.scalars(select(SyncRun).where(SyncRun.trigger == SyncTrigger.RETRY)).one()
    assert retry.status == RunStatus.SUCCEEDED and retry.counts == {"locked": 1}
    assert db.session.scalar(select(PendingOrder).where(PendingOrder.channel_id == channel.id)) is None

    for order in (shipped, cancelled):
        assert_no_customer_data(order.id)
    dump = database_text()
    assert not {email for email in gone["emails"] if email in dump}
    assert next(iter(customer_data(untouched)["emails"])) in dump  # other orders keep theirs
    with simulator.client(store) as bs:  # the store still has it: the tombstone, not the store, kept it out
        assert bs.get_order(shipped.external_id)["customer_email"] in gone["emails"]


def test_a_killed_purge_resumes_where_it_stopped(world, database_url, redis_url):
    channel = world.a.channel
    channel.pii_retention_days = 30
    db.session.commit()
    batch, total = purge_pii.BATCH_SIZE, 8 * purge_pii.BATCH_SIZE
    bulk_closed_orders(channel, total, utcnow() - timedelta(days=31))
    run = runs.new_run(channel, SyncAction.PURGE_PII, SyncTrigger.SCHEDULED)  # its job is run by hand below
    db.session.add(run)
    db.session.commit()
    # The RQ job's own entry point in a process of its own (it builds its app from the environment).
    worker = subprocess.Popen(
        [sys.executable, "-c", f"from jobs.sync_jobs import run_sync; run_sync({run.id})"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url},
    )
    try:
        done = _wait_for_progress(run.id, at_least=batch, process=worker)
        worker.send_signal(signal.SIGKILL)  # a worker killed mid-run: no chance to clean up
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    purged = len(purged_ids(channel))
    assert done <= purged < total and purged % batch == 0  # whole batches only
    db.session.expire_all()
    assert db.session.get(SyncRun, run.id).status == RunStatus.RUNNING

    with time_machine.travel(utcnow() + timedelta(minutes=3)):
        assert runs.sweep_stale_runs() == 1  # the cron's sweeper fails the dead run
    resumed = purge_now(channel)
    assert resumed.status == RunStatus.SUCCEEDED and resumed.counts["purged"] == total - purged
    assert len(purged_ids(channel)) == total
    left = db.session.scalars(select(OrderAddress.line1).where(OrderAddress.line1 != "")).all()
    assert left == []


def _wait_for_progress(run_id: int, at_least: int, process: subprocess.Popen) -> int:
    deadline = time.monotonic() + 300  # a hang guard; the loop follows the commits
    while time.monotonic() < deadline:
        done = db.session.scalar(select(SyncRun.progress_done).where(SyncRun.id == run_id)) or 0
        db.session.rollback()  # end the read, so the next one sees the worker's commits
        if done >= at_least:
            return done
        assert process.poll() is None, "the purge ended before it could be killed"
        time.sleep(0.01)
    raise AssertionError("the purge made no progress")
