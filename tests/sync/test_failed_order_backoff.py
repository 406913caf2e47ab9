"""Automatic retries of failed orders back off when they cost a billed call, over HTTP against the simulator
with a real RQ worker: an order the store serves unreadable is read on the run it fails, left alone by the
runs during its pause (not one call for it), read again once the pause is over, each failure doubling the
pause up to its cap; a person's Retry, or the store changing it (the listing shows it), reads it at once; an
order kept with the JSON it failed on (a SKU failure) is retried by every run at no call; the failed-orders
screen says when the next try is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from extensions import db
from models.activity import FailureCause, PendingOrder, RunStatus
from models.tenancy import Role
from tests.support.failed_orders import failing_channel
from tests.support.sync import (
    catalog_for,
    import_now,
    make_store,
    next_second,
    store_order_ids,
    sync_channel,
    work,
)
from tests.support.world import ROLE_EMAILS
from web.template_filters import datetime_in

ADMIN = ROLE_EMAILS[Role.ACCOUNT_ADMIN]
DETAIL = "/orders/<int:order_id>"
LISTING = 1  # every run lists once: the store's orders fit one page


def details_read(simulator, store) -> int:
    """Show Order calls the store billed since its counters were reset."""
    return sum(n for route, n in simulator.calls(store)["per_route"].items() if route.endswith(DETAIL))


def pending(channel, oid: int) -> PendingOrder | None:
    db.session.expire_all()
    return db.session.scalar(
        select(PendingOrder).where(PendingOrder.channel_id == channel.id, PendingOrder.external_id == oid)
    )


def pause_over(channel, oid: int) -> None:
    """Its pause ended a minute ago, as if the imports in between had been scheduled that long."""
    db.session.execute(
        update(PendingOrder)
        .where(PendingOrder.channel_id == channel.id, PendingOrder.external_id == oid)
        .values(next_retry_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    db.session.commit()


@pytest.fixture
def unreadable(simulator, world):
    """A channel whose store serves one order's detail unreadable; the store's orders were last changed a day
    ago, so no later listing shows them again (only a retry reads that order). Its first import has run."""
    a_day_ago = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    store = make_store(simulator, seed=11, products=3, orders=8, moas_rate=0, gift_rate=0, now=a_day_ago)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    bad = min(store_order_ids(simulator, store))
    simulator.set_faults(store, unreadable_orders=[bad])
    first = import_now(channel)
    assert first.status == RunStatus.PARTIAL and first.counts["failed"] == 1
    assert details_read(simulator, store) == len(store_order_ids(simulator, store))  # `bad` among them
    simulator.reset_calls(store)
    return store, channel, bad


def test_an_unreadable_order_is_left_alone_during_its_pause_and_read_again_after(app, simulator, unreadable):
    store, channel, bad = unreadable
    base = timedelta(minutes=app.config["FAILED_ORDER_RETRY_MINUTES"])
    failed = pending(channel, bad)
    assert failed.cause == FailureCause.UNREADABLE and failed.document is None and failed.attempts == 1
    assert failed.next_retry_at - failed.last_failed_at == base

    quiet = import_now(channel)  # right after: the pause has minutes to go
    assert details_read(simulator, store) == 0
    assert quiet.api_calls == LISTING == simulator.calls(store)["total"]
    assert pending(channel, bad).attempts == 1 and quiet.status == RunStatus.SUCCEEDED

    pause_over(channel, bad)
    simulator.reset_calls(store)
    again = import_now(channel)
    assert details_read(simulator, store) == 1  # `bad`, and only it
    assert again.api_calls == LISTING + 1 and again.status == RunStatus.PARTIAL
    failed = pending(channel, bad)
    assert failed.attempts == 2 and failed.next_retry_at - failed.last_failed_at == 2 * base

    simulator.reset_calls(store)
    import_now(channel)  # its second, longer pause
    assert details_read(simulator, store) == 0

    # Many failures later the pause stops growing at its cap.
    db.session.execute(update(PendingOrder).where(PendingOrder.external_id == bad).values(attempts=40))
    pause_over(channel, bad)
    import_now(channel)
    failed = pending(channel, bad)
    cap = timedelta(minutes=app.config["FAILED_ORDER_RETRY_MAX_MINUTES"])
    assert failed.attempts == 41 and failed.next_retry_at - failed.last_failed_at == cap

    # Once the store serves it readable, the next try imports it and nothing waits any more.
    simulator.reset_faults(store)
    pause_over(channel, bad)
    assert import_now(channel).status == RunStatus.SUCCEEDED
    assert pending(channel, bad) is None


def test_an_order_the_store_changed_is_read_from_the_listing_despite_the_pause(simulator, unreadable):
    store, channel, bad = unreadable
    assert pending(channel, bad).waits_until is not None
    next_second()
    simulator.mutate_order(store, bad, "edit")  # its updated_at moves: the next listing shows it
    next_second()
    simulator.reset_calls(store)
    import_now(channel)
    assert details_read(simulator, store) == 1 and pending(channel, bad).attempts == 2


def test_a_requested_retry_reads_it_despite_the_pause(client, login, simulator, unreadable):
    store, channel, bad = unreadable
    assert pending(channel, bad).waits_until is not None
    login(ADMIN)
    client.post(f"/channels/{channel.id}/sync/orders/{bad}/retry")  # Retry on its row
    work()
    assert details_read(simulator, store) == 1
    failed = pending(channel, bad)
    assert failed.attempts == 2 and failed.waits_until is not None  # failed again: a longer pause

    simulator.reset_calls(store)
    client.post(f"/channels/{channel.id}/sync/failed-orders/retry", data={"group": "cause:unreadable"})
    work()  # Retry all of its group
    assert details_read(simulator, store) == 1 and pending(channel, bad).attempts == 3

    # A retry asked for while no retry run took it (the scheduled import does, as it lists).
    failed = pending(channel, bad)
    failed.retry_requested_at = datetime.now(UTC)
    db.session.commit()
    simulator.reset_calls(store)
    import_now(channel)
    assert details_read(simulator, store) == 1 and pending(channel, bad).attempts == 4


def test_an_order_kept_with_its_json_is_retried_by_every_run_at_no_call(simulator, world):
    store, channel, _missing, _variants = failing_channel(simulator, world, orders=20)
    waiting = db.session.scalars(select(PendingOrder).where(PendingOrder.channel_id == channel.id)).all()
    assert waiting and all(p.document is not None and p.next_retry_at is None for p in waiting)
    attempts = {p.external_id: p.attempts for p in waiting}
    for run in (1, 2):
        simulator.reset_calls(store)
        import_now(channel)
        assert details_read(simulator, store) == 0
        db.session.expire_all()
        for row in waiting:
            assert row.attempts == attempts[row.external_id] + run and row.next_retry_at is None


def test_a_store_error_backs_off_too(app, simulator, world):
    store = make_store(simulator, seed=12, products=2, orders=1, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    (only,) = store_order_ids(simulator, store)
    attempts = 1 + app.config["SYNC_CLIENT_RETRIES"]
    simulator.set_faults(store, script=["ok"] + ["500"] * attempts)  # the listing, then its detail
    import_now(channel)
    failed = pending(channel, only)
    assert failed.cause == FailureCause.STORE_ERROR and failed.waits_until is not None


def test_the_failed_orders_screen_says_when_the_next_try_is(client, login, simulator, world, unreadable):
    _store, channel, bad = unreadable
    waits = pending(channel, bad).next_retry_at
    login(ADMIN)
    page = client.get(f"/channels/{channel.id}/sync/failed-orders").data.decode()
    row = page[page.index(f"<td>{bad}</td>") :]
    row = row[: row.index("</tr>")]
    assert datetime_in(waits, channel.timezone) in row and "next import" not in row

    pause_over(channel, bad)
    page = client.get(f"/channels/{channel.id}/sync/failed-orders").data.decode()
    row = page[page.index(f"<td>{bad}</td>") :]
    assert "next import" in row[: row.index("</tr>")]
