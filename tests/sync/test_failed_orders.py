"""Failed orders at scale and retries (issue 14, items 4 and 6), over HTTP with a real RQ worker: retries
asked for while an import is queued or running are folded into it, the failed orders are grouped by cause and
paged, and Retry all retries a group in one run that fetches only those orders."""

from __future__ import annotations

import re
import threading
import time

from sqlalchemy import func, select, update

from extensions import db
from models.activity import (
    FailureCause,
    PendingOrder,
    PendingOrderSku,
    RunStatus,
    SyncAction,
    SyncRun,
    SyncTrigger,
)
from models.catalog import sku_key
from models.tenancy import Role
from sync import runs
from sync.executor import start_follow_up
from sync.start import start_run
from tests.support.failed_orders import failing_channel, map_sku
from tests.support.sync import work
from tests.support.world import ROLE_EMAILS

ADMIN = ROLE_EMAILS[Role.ACCOUNT_ADMIN]


def pending_ids(channel) -> list[int]:
    db.session.expire_all()
    return sorted(
        db.session.scalars(select(PendingOrder.external_id).where(PendingOrder.channel_id == channel.id))
    )


def runs_of(channel) -> list[SyncRun]:
    db.session.expire_all()
    return db.session.scalars(
        select(SyncRun).where(SyncRun.channel_id == channel.id).order_by(SyncRun.id)
    ).all()


def test_failures_record_their_cause_and_missing_skus(simulator, world):
    _store, channel, missing, _ = failing_channel(simulator, world, missing_count=2)
    rows = db.session.scalars(select(PendingOrder).where(PendingOrder.channel_id == channel.id)).all()
    assert rows and all(row.cause == FailureCause.MISSING_SKU for row in rows)
    recorded = set(
        db.session.scalars(select(PendingOrderSku.sku).where(PendingOrderSku.channel_id == channel.id))
    )
    assert recorded == set(missing)
    for row in rows:
        assert {s.sku for s in row.missing_skus} <= set(missing)
        assert all(f"SKU '{s.sku}'" in row.reason for s in row.missing_skus)


def test_a_second_quick_retry_is_folded_into_the_queued_run(client, login, simulator, world):
    store, channel, missing, variants = failing_channel(simulator, world)
    first, second = pending_ids(channel)[-2:]
    map_sku(channel, missing[0], next(iter(variants.values())))
    login(ADMIN)
    response = client.post(f"/channels/{channel.id}/sync/orders/{first}/retry", follow_redirects=True)
    assert b"Retrying order" in response.data
    response = client.post(f"/channels/{channel.id}/sync/orders/{second}/retry", follow_redirects=True)
    text = response.data.decode()
    assert "will be retried by the order import already queued" in text
    assert "already queued or running for this channel" not in text
    work()
    assert first not in pending_ids(channel) and second not in pending_ids(channel)
    retry = runs_of(channel)[-1]
    assert len(runs_of(channel)) == 2 and retry.status == RunStatus.SUCCEEDED
    assert retry.counts.get("created") == 2
    # The JSON each order failed on is reused: the store still lists them unchanged, so no call at all.
    assert simulator.calls(store)["total"] == 0


def test_a_retry_asked_for_while_the_import_runs_is_picked_up(app, client, login, simulator, world):
    store, channel, missing, variants = failing_channel(simulator, world)
    first, second = pending_ids(channel)[-2:]
    map_sku(channel, missing[0], next(iter(variants.values())))
    # Without the JSON it failed on, the retry run reads `first` from the store, and the store holds that
    # call until the second retry is in: the run is running then, however busy the machine.
    db.session.execute(
        update(PendingOrder)
        .where(PendingOrder.channel_id == channel.id, PendingOrder.external_id == first)
        .values(document=None)
    )
    db.session.commit()
    login(ADMIN)
    client.post(f"/channels/{channel.id}/sync/orders/{first}/retry")
    simulator.set_faults(store, stalled=True)
    answers: list[str] = []

    def second_retry_while_running() -> None:
        try:
            with app.app_context():
                hang_guard = time.monotonic() + 300
                while simulator.calls(store)["total"] == 0:  # the run is inside its call
                    assert time.monotonic() < hang_guard, "the retry run never called the store"
                    time.sleep(0.02)
                assert runs_of(channel)[-1].status == RunStatus.RUNNING
                retry_url = f"/channels/{channel.id}/sync/orders/{second}/retry"
                answer = client.post(retry_url, follow_redirects=True)
                answers.append(answer.data.decode())
                db.session.remove()
        finally:
            simulator.reset_faults(store)

    thread = threading.Thread(target=second_retry_while_running)
    thread.start()
    work()
    thread.join()
    flashes = re.findall(r"alert-[a-z]+[^>]*>([^<]*)<", answers[0])
    assert any("will be retried by the order import already running" in f for f in flashes), flashes
    assert first not in pending_ids(channel) and second not in pending_ids(channel)
    assert len(runs_of(channel)) == 2  # one run did both: no follow-up was needed
    assert runs_of(channel)[-1].counts.get("created") == 2
    # Only order details were read (`second` came from the JSON it failed on; `first` once, or again if a busy
    # machine kept the stall past the client's read timeout), and the runs counted what the store billed.
    billed = simulator.calls(store)
    assert billed["total"] >= 1
    assert all(
        route.startswith("GET ") and route.endswith("/orders/<int:order_id>") for route in billed["per_route"]
    )
    assert runs_of(channel)[-1].api_calls == billed["total"]


def test_a_retry_asked_for_after_the_last_look_gets_a_follow_up_run(simulator, world):
    store, channel, missing, variants = failing_channel(simulator, world)
    waiting = pending_ids(channel)
    map_sku(channel, missing[0], next(iter(variants.values())))
    finished = runs_of(channel)[-1]
    assert start_follow_up(finished) is None  # nothing owed: no run
    # The request lands after the run's last look at retries, before it ended (the race the follow-up closes).
    pending = db.session.scalar(select(PendingOrder).where(PendingOrder.external_id == waiting[0]))
    pending.retry_requested_at = pending.last_failed_at.replace(year=pending.last_failed_at.year + 1)
    db.session.commit()
    follow_up = start_follow_up(finished)
    assert follow_up is not None and follow_up.params == {"follow_up_of": finished.id}
    work()
    assert waiting[0] not in pending_ids(channel)
    assert simulator.calls(store)["total"] == 0  # the JSON it failed on is reused
    assert start_follow_up(runs_of(channel)[-1]) is None


def test_a_failed_run_gets_no_follow_up(simulator, world):
    _store, channel, _missing, _ = failing_channel(simulator, world, orders=10)
    pending = db.session.scalar(select(PendingOrder).where(PendingOrder.channel_id == channel.id))
    pending.retry_requested_at = pending.last_failed_at.replace(year=pending.last_failed_at.year + 1)
    run, _ = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    runs.finish(run, runs.Outcome(RunStatus.FAILED, "The store refused the token."))
    assert start_follow_up(run) is None


def test_failed_orders_are_grouped_by_cause_and_paged(client, login, simulator, world):
    _store, channel, missing, _ = failing_channel(simulator, world, orders=200, products=2, missing_count=3)
    total = len(pending_ids(channel))
    assert total > 50
    per_sku = dict(
        db.session.execute(
            select(PendingOrderSku.sku, func.count())
            .where(PendingOrderSku.channel_id == channel.id)
            .group_by(PendingOrderSku.sku)
        ).all()
    )
    login(ADMIN)
    actions = client.get(f"/channels/{channel.id}/sync").data.decode()
    assert f"{total} failed orders waiting for a retry" in actions
    assert actions.count("<tr") < 40  # a summary by cause, not one row per failed order

    page = client.get(f"/channels/{channel.id}/sync/failed-orders").data.decode()
    assert f"Page 1 of {-(-total // 50)}" in page
    assert len(re.findall(r"/sync/orders/\d+/retry", page)) == 50
    for sku, orders in per_sku.items():
        group = re.search(rf"SKU <span[^>]*>{re.escape(sku)}</span>.*?</tr>", page, re.S).group(0)
        assert f">{orders}</td>" in group
        assert f"new_sku={sku}" in group  # Map… opens the SKU mapping with the SKU filled in
        assert f"Retry all {orders}" in group
    group_page = client.get(f"/channels/{channel.id}/sync/failed-orders?group=sku:{missing[0]}").data.decode()
    assert f"{per_sku[missing[0]]} order" in group_page
    second = client.get(
        f"/channels/{channel.id}/sync/failed-orders?page=2",
        headers={"HX-Request": "true", "HX-Target": "failed-order-list"},
    )
    assert second.status_code == 200 and b"Page 2 of" in second.data and b"failure-groups" not in second.data
    assert client.get(f"/channels/{channel.id}/sync/failed-orders?group=nonsense").status_code == 404


def test_retry_all_retries_a_group_in_one_run_fetching_only_its_orders(client, login, simulator, world):
    store, channel, missing, variants = failing_channel(
        simulator, world, orders=80, products=3, missing_count=2
    )
    group = set(
        db.session.scalars(
            select(PendingOrder.external_id)
            .join(PendingOrderSku)
            .where(PendingOrderSku.sku_key == sku_key(missing[0]))
        )
    )
    map_sku(channel, missing[0], next(iter(variants.values())))
    login(ADMIN)
    page = client.get(f"/channels/{channel.id}/sync/failed-orders").data.decode()
    assert "maps now" in page
    response = client.post(
        f"/channels/{channel.id}/sync/failed-orders/retry",
        data={"group": f"sku:{missing[0]}", "back": f"sku:{missing[0]}"},
    )
    assert response.status_code == 303 and "group=sku" in response.headers["Location"]
    work()
    retry = runs_of(channel)[-1]
    # The group's orders are imported from the JSON they failed on: not one billed call.
    assert len(runs_of(channel)) == 2 and retry.api_calls == 0 == simulator.calls(store)["total"]
    still = set(pending_ids(channel))
    only_first = {oid for oid in group if oid not in still}
    assert only_first  # orders that missed only this SKU imported; those missing the other one still wait
    assert all(
        missing[1] in db.session.scalar(select(PendingOrder.reason).where(PendingOrder.external_id == oid))
        for oid in group & still
    )


def test_fixed_orders_can_be_retried_together(client, login, simulator, world):
    store, channel, missing, variants = failing_channel(
        simulator, world, orders=60, products=3, missing_count=2
    )
    waiting = len(pending_ids(channel))
    for sku in missing:
        map_sku(channel, sku, next(iter(variants.values())))
    login(ADMIN)
    page = client.get(f"/channels/{channel.id}/sync").data.decode()
    assert f"{waiting} failed orders can now be retried" in page
    client.post(f"/channels/{channel.id}/sync/failed-orders/retry", data={"group": "fixed"})
    work()
    assert pending_ids(channel) == [] and simulator.calls(store)["total"] == 0


def test_retry_all_refuses_unknown_groups_and_stays_in_the_tenant(client, login, simulator, world):
    _store, channel, _missing, _ = failing_channel(simulator, world, orders=10)
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.get(f"/channels/{channel.id}/sync/failed-orders").status_code == 200
    assert (
        client.post(f"/channels/{channel.id}/sync/failed-orders/retry", data={"group": "bad:x"}).status_code
        == 400
    )
    assert client.get(f"/channels/{world.b.channel.id}/sync/failed-orders").status_code == 404
    assert (
        client.post(
            f"/channels/{world.b.channel.id}/sync/failed-orders/retry", data={"group": "all"}
        ).status_code
        == 404
    )


def test_a_failed_order_changed_on_the_store_since_is_read_again(simulator, world):
    """The stored JSON is reused only while the store's listing shows the same update time."""
    from tests.support.sync import import_now, next_second

    store, channel, missing, variants = failing_channel(simulator, world)
    changed, unchanged = pending_ids(channel)[:2]
    map_sku(channel, missing[0], next(iter(variants.values())))
    next_second()
    simulator.mutate_order(store, changed, "status", status="in_progress")
    next_second()
    simulator.reset_calls(store)
    run = import_now(channel)
    listing = 1
    assert run.api_calls == listing + 1 == simulator.calls(store)["total"]  # only the changed one is read
    assert changed not in pending_ids(channel) and unchanged not in pending_ids(channel)
