"""Order import against the simulator over HTTP, run by a real RQ worker on a real Redis (issue #6)."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import func, select

from extensions import db
from models.activity import (
    EventLevel,
    PendingOrder,
    RunStatus,
    SyncAction,
    SyncCursor,
    SyncTrigger,
)
from models.base import utcnow
from models.orders import OrderStatus, SalesOrder
from models.tenancy import Role
from sync import runs
from sync.order_documents import CHUNK
from sync.start import start_run
from tests.support.sync import (
    STATUSES,
    catalog_for,
    import_now,
    import_through_an_outage,
    imported_ids,
    make_store,
    next_second,
    run_events,
    sku_used_by_an_order,
    store_order_ids,
    sync_channel,
    work,
)
from tests.support.world import ROLE_EMAILS


def list_calls(simulator, store) -> int:
    """What one listing of every order costs at 500 per page (all statuses in one listing)."""
    with simulator.client(store) as client:
        total = client.list_orders_page(per_page=1).total
    simulator.reset_calls(store)
    return max(1, math.ceil(total / 500))


def test_first_import_then_rerun_costs_only_the_listing(simulator, world):
    store = make_store(simulator, seed=11, products=8, orders=60, moas_rate=0.1, gift_rate=0.2)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    expected = store_order_ids(simulator, store)
    listing = list_calls(simulator, store)

    run = import_now(channel)
    assert run.status == RunStatus.SUCCEEDED, [e.message for e in run_events(run)]
    assert sorted(imported_ids(channel)) == sorted(expected)
    # Orders of gift certificates only are recorded too, counted as skipped for fulfilment.
    nothing_to_ship = db.session.scalar(
        select(func.count(SalesOrder.id)).where(SalesOrder.status == OrderStatus.NOT_FOR_FULFILMENT)
    )
    assert run.counts["created"] == len(expected) - nothing_to_ship
    assert run.counts.get("skipped", 0) == nothing_to_ship
    assert run.api_calls == listing + len(expected) == simulator.calls(store)["total"]
    assert db.session.scalar(select(SyncCursor.value).where(SyncCursor.channel_id == channel.id)) is not None

    simulator.reset_calls(store)
    again = import_now(channel)
    assert again.status == RunStatus.SUCCEEDED
    assert again.api_calls == listing == 1 == simulator.calls(store)["total"]  # the listing only
    assert again.counts.get("created", 0) == 0
    assert sorted(imported_ids(channel)) == sorted(expected)


def test_edited_and_cancelled_orders(simulator, world):
    store = make_store(simulator, seed=5, products=6, orders=20, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    import_now(channel)
    edited, cancelled = sorted(store_order_ids(simulator, store))[:2]
    before = db.session.scalar(select(SalesOrder).where(SalesOrder.external_id == edited))
    lines_before = [(line.external_line_id, line.quantity) for line in before.lines]
    simulator.mutate_order(store, edited, "edit")
    simulator.mutate_order(store, cancelled, "cancel")
    simulator.reset_calls(store)
    next_second()  # the change must fall in a second before the next run's upper bound

    run = import_now(channel)
    assert run.counts.get("updated") == 1 and run.counts.get("cancelled") == 1
    assert (
        run.api_calls == 1 + 1
    )  # one listing page (only the two changed orders), one detail: the edited order
    order = db.session.scalar(select(SalesOrder).where(SalesOrder.external_id == edited))
    assert [(line.external_line_id, line.quantity) for line in order.lines] != lines_before
    gone = db.session.scalar(select(SalesOrder).where(SalesOrder.external_id == cancelled))
    assert gone.status == OrderStatus.CANCELLED and gone.closed_at is not None
    assert any("cancelled on the store" in e.message for e in run_events(run, EventLevel.INFO))


def test_released_order_is_not_overwritten(simulator, world):
    store = make_store(simulator, seed=5, products=6, orders=10, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    import_now(channel)
    order = db.session.scalars(select(SalesOrder).where(SalesOrder.channel_id == channel.id)).first()
    order.status = OrderStatus.RELEASED
    quantities = [line.quantity for line in order.lines]
    db.session.commit()
    simulator.mutate_order(store, order.external_id, "edit")
    next_second()  # the change must fall in a second before the next run's upper bound
    run = import_now(channel)
    db.session.refresh(order)
    assert [line.quantity for line in order.lines] == quantities and order.status == OrderStatus.RELEASED
    assert any("released to fulfilment" in e.message for e in run_events(run, EventLevel.INFO))


def test_unknown_sku_stops_only_that_order_and_retry_imports_it(simulator, world):
    store = make_store(simulator, seed=3, products=4, orders=30, moas_rate=0, gift_rate=0)
    variants = catalog_for(simulator, store, world.a.account)
    missing_sku = sku_used_by_an_order(simulator, store)
    db.session.delete(variants[missing_sku])
    db.session.commit()
    channel = sync_channel(store, world.a.account)
    expected = store_order_ids(simulator, store)

    run = import_now(channel)
    assert run.status == RunStatus.PARTIAL
    errors = run_events(run, EventLevel.ERROR)
    assert errors and all(f"SKU '{missing_sku}' matches no product variant" in e.message for e in errors)
    assert all("line " in e.message for e in errors)
    failed = {e.external_order_id for e in errors}
    assert set(imported_ids(channel)) == expected - failed
    assert {p.external_id for p in db.session.scalars(select(PendingOrder))} == failed

    # The SKU gets a variant; retrying one failed order imports it alone.
    from models.catalog import ProductVariant

    variant = ProductVariant(account_id=world.a.account.id, product_id=world.a.product.id, title="fixed")
    variant.set_sku(missing_sku.lower())  # matching ignores case
    db.session.add(variant)
    db.session.commit()
    one, two = sorted(failed)[:2]
    retry = import_now(channel, trigger=SyncTrigger.RETRY, order_ids=[one])
    # The JSON it failed on is reused (no call); asked to read again, the store is read (one call).
    assert retry.status == RunStatus.SUCCEEDED and retry.api_calls == 0 and retry.counts.get("reused") == 1
    assert one in imported_ids(channel)
    again = import_now(channel, trigger=SyncTrigger.RETRY, order_ids=[two], read_again=True)
    assert again.status == RunStatus.SUCCEEDED and again.api_calls == 1 and not again.counts.get("reused")
    assert two in imported_ids(channel)
    # The next ordinary run retries the rest, even though the listing shows them unchanged.
    run = import_now(channel)
    assert set(imported_ids(channel)) == expected
    assert db.session.scalar(select(func.count(PendingOrder.id))) == 0


def test_unmapped_carrier_is_a_warning_and_gift_lines_are_not_fulfilled(simulator, world):
    store = make_store(simulator, seed=9, products=4, orders=25, moas_rate=0, gift_rate=0.5)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    run = import_now(channel)
    assert run.status == RunStatus.SUCCEEDED
    warnings = run_events(run, EventLevel.WARNING)
    assert warnings and all("has no carrier mapping" in w.message for w in warnings)
    orders = db.session.scalars(select(SalesOrder).where(SalesOrder.channel_id == channel.id)).all()
    assert all(o.carrier_code is None for o in orders)
    gift_lines = [line for o in orders for line in o.lines if not line.is_physical]
    assert gift_lines and all(line.variant_id is None for line in gift_lines)


def test_gift_certificate_only_order_is_recorded_not_for_fulfilment(simulator, world, client, login):
    store = make_store(simulator, seed=12, products=3, orders=0, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    only_gift = simulator.add_order(store, gift_only=True)
    mixed = simulator.add_order(store, gift=True, gift_only=False)
    next_second()

    run = import_now(channel)

    assert run.status == RunStatus.SUCCEEDED
    assert run.counts == {"created": 1, "skipped": 1}
    recorded = db.session.scalar(select(SalesOrder).where(SalesOrder.external_id == only_gift))
    assert recorded.status == OrderStatus.NOT_FOR_FULFILMENT  # never Approved and waiting to ship
    assert recorded.closed_at is not None and recorded.lines
    assert not any(line.is_physical for line in recorded.lines)
    work_order = db.session.scalar(select(SalesOrder).where(SalesOrder.external_id == mixed))
    assert work_order.status == OrderStatus.APPROVED
    (note,) = [e for e in run_events(run, EventLevel.INFO) if e.external_order_id == only_gift]
    assert "only gift certificates" in note.message and note.order_id == recorded.id
    assert not [e for e in run_events(run, EventLevel.WARNING) if e.external_order_id == only_gift]
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    assert "Not for fulfilment" in client.get(f"/orders/{recorded.id}").get_data(as_text=True)

    # Recorded, so the next run does not fetch it again.
    simulator.reset_calls(store)
    again = import_now(channel)
    assert again.api_calls == 1 and again.counts == {"unchanged": 2}

    # The customer adds a product to it: now it is work.
    simulator.mutate_order(store, only_gift, "edit", add_line=True)
    next_second()
    changed = import_now(channel)
    db.session.refresh(recorded)
    assert recorded.status == OrderStatus.APPROVED and recorded.closed_at is None
    assert changed.counts == {"updated": 1, "unchanged": 1}
    assert any("now has a line to ship" in e.message for e in run_events(changed, EventLevel.INFO))


def test_moas_and_cancelled_orders_are_never_imported(simulator, world):
    store = make_store(simulator, seed=4, products=4, orders=40, moas_rate=0.5, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account, statuses=["new", "paid", "moas_pending", "canceled"])
    moas = store_order_ids(simulator, store, ["moas_pending"])
    assert moas
    run = import_now(channel)
    assert not set(imported_ids(channel)) & moas
    retry = import_now(channel, trigger=SyncTrigger.RETRY, order_ids=[sorted(moas)[0]])
    assert retry.counts == {"skipped": 1}
    assert "not imported for fulfilment" in run_events(retry, EventLevel.INFO)[0].message
    assert run.status == RunStatus.SUCCEEDED


def test_date_range_import_leaves_the_watermark(simulator, world):
    store = make_store(simulator, seed=6, products=4, orders=40, moas_rate=0, gift_rate=0, history_days=20)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    day = (utcnow() - timedelta(days=10)).date()
    with simulator.client(store) as client:
        wanted = {
            int(s["order_id"])
            for status in STATUSES
            for s in client.iter_orders(
                status=status,
                created_from=utcnow().replace(
                    year=day.year, month=day.month, day=day.day, hour=0, minute=0, second=0, microsecond=0
                ),
            )
        }
    run = import_now(channel, created_from=day.isoformat())
    assert run.status == RunStatus.SUCCEEDED
    assert set(imported_ids(channel)) == wanted and wanted
    assert db.session.scalar(select(SyncCursor).where(SyncCursor.channel_id == channel.id)) is None


def test_two_requests_give_one_run_and_no_extra_calls(simulator, world):
    store = make_store(simulator, seed=2, products=3, orders=5)
    channel = sync_channel(store, world.a.account)
    first, created = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    db.session.commit()
    second, created_again = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    assert created and not created_again and first.id == second.id
    assert simulator.calls(store)["total"] == 0


def test_killed_run_is_swept_and_redoing_it_duplicates_nothing(simulator, world):
    store = make_store(simulator, seed=8, products=4, orders=30, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    expected = store_order_ids(simulator, store)
    import_now(channel)
    # A worker died mid-run: its row says running, its heartbeat stopped long ago.
    dead = runs.new_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.SCHEDULED)  # its worker died below
    db.session.add(dead)
    runs.mark_running(dead)
    dead.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    assert runs.sweep_stale_runs() == 1
    db.session.refresh(dead)
    assert dead.status == RunStatus.FAILED and "worker stopped" in dead.error_summary
    simulator.mutate_order(store, sorted(expected)[0], "edit")
    next_second()  # the change must fall in a second before the next run's upper bound
    run = import_now(channel)
    assert run.status == RunStatus.SUCCEEDED
    ids = imported_ids(channel)
    assert sorted(ids) == sorted(expected) and len(ids) == len(set(ids))


def test_faults_lose_nothing_and_duplicate_nothing(simulator, world):
    store = make_store(simulator, seed=21, products=6, orders=120, moas_rate=0.05, gift_rate=0.1)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    expected = store_order_ids(simulator, store)
    simulator.set_faults(
        store,
        error_rate=0.10,
        rate_limit_rate=0.05,
        retry_after=1,
        timeout_rate=0.02,
        timeout_seconds=3,
        seed=99,
    )
    for _ in range(4):  # orders whose detail failed after every retry are picked up by the next runs
        run = import_now(channel)
        if not db.session.scalar(select(func.count(PendingOrder.id))) and run.status != RunStatus.FAILED:
            break
    ids = imported_ids(channel)
    assert sorted(ids) == sorted(expected)
    assert len(ids) == len(set(ids))


def test_store_outage_is_retried_a_bounded_number_of_times(app, simulator, world):
    store, run = import_through_an_outage(simulator, world.a.account)
    assert run.status == RunStatus.FAILED
    assert run.attempts == 1 + len(app.config["SYNC_RETRY_INTERVALS"])
    assert "could not be reached" in run.error_summary and "No attempts left" in run.error_summary
    # Each attempt that is tried again is a warning; only the last one is fatal.
    assert len(run_events(run, EventLevel.WARNING)) == run.attempts - 1
    assert all("will try again" in event.message for event in run_events(run, EventLevel.WARNING))
    assert len(run_events(run, EventLevel.FATAL)) == 1
    # Every attempt's calls were billed: the run counts them all.
    per_attempt = 1 + app.config["SYNC_CLIENT_RETRIES"]
    assert run.api_calls == simulator.calls(store)["total"] == run.attempts * per_attempt


def test_refused_token_fails_at_once_without_retry(simulator, world):
    store = make_store(simulator, seed=1, products=2, orders=3)
    channel = sync_channel(store, world.a.account)
    from services.channels import token_vault

    channel.token_ciphertext = token_vault.encrypt("not-the-token-of-this-store")
    db.session.commit()
    run = import_now(channel)
    assert run.status == RunStatus.FAILED and run.attempts == 1
    assert run.api_calls == 1 == simulator.calls(store)["total"]
    assert (
        "refused the access token" in run.error_summary and "scheduled runs are paused" in run.error_summary
    )
    db.session.refresh(channel)
    assert channel.token_refused_at is not None


def test_jobs_carry_only_the_run_id(app, simulator, world):
    store = make_store(simulator, seed=1, products=2, orders=3)
    channel = sync_channel(store, world.a.account)
    from run_queue.enqueue import sync_queue

    run, _ = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)
    db.session.commit()  # queues its job
    job = sync_queue().jobs[0]
    assert job.args == [run.id] or job.args == (run.id,)
    redis = app.extensions["redis"]
    for key in redis.keys("*"):
        kind = redis.type(key)
        values = (
            [redis.get(key)]
            if kind == b"string"
            else list(redis.hgetall(key).values())
            if kind == b"hash"
            else []
        )
        assert all(store.token.encode() not in (v or b"") for v in values), key
    work()


def test_an_attempt_that_dies_mid_page_keeps_its_committed_chunks_and_no_detail_is_fetched_twice(
    simulator, world
):
    """Issue 27: the import commits every CHUNK details within a listing page; an attempt that fails half-way
    keeps them, and the next run finds them unchanged in the listing: no detail is paid for twice."""
    store = make_store(simulator, seed=5, products=6, orders=200, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    channel.detail_concurrency = 1  # the script below then meets the details in order
    db.session.commit()
    expected = store_order_ids(simulator, store)
    assert len(expected) > 2 * CHUNK
    simulator.reset_calls(store)
    # The listing and the first CHUNK + 10 details answer, then the store is down for good.
    simulator.set_faults(store, script=["ok"] * (1 + CHUNK + 10), error_rate=1.0)
    failed = import_now(channel)
    assert failed.status == RunStatus.FAILED and "could not be reached" in failed.error_summary
    kept = set(imported_ids(channel))
    assert len(kept) >= CHUNK  # committed before the outage, in the same listing page

    simulator.reset_faults(store)
    simulator.reset_calls(store)
    next_second()
    run = import_now(channel)
    assert run.status == RunStatus.SUCCEEDED
    assert sorted(imported_ids(channel)) == sorted(expected)
    details = {
        route: n for route, n in simulator.calls(store)["per_route"].items() if "<int:order_id>" in route
    }
    assert sum(details.values()) == len(expected) - len(kept)  # none of the kept orders fetched again
