"""The PII retention purge (issue 13): which orders are due, what is removed and kept, every place customer
data was copied to, the run's event and audit row, and the daily schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine
from sqlalchemy import select

from extensions import db
from jobs.cron import tick
from models.activity import (
    ApiCallLog,
    EventLevel,
    PendingOrder,
    RunStatus,
    SyncAction,
    SyncEvent,
    SyncRun,
    SyncTrigger,
)
from models.channels import AuditEvent, SalesChannel
from models.orders import OrderAddress, OrderStatus, SalesOrder
from models.tenancy import Role
from services import privacy
from sync import purge_pii
from sync.schedule import due_purges
from tests.support.orders import SHIPPING, add_event, make_order
from tests.support.purge import closed_order, database_text, purge_in_process, purge_now, purged_ids
from tests.support.sync import work

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SENTINEL = "pii.sentinel.4f2a@example.com"


def with_threshold(channel: SalesChannel, days: int | None) -> SalesChannel:
    channel.pii_retention_days = days
    db.session.commit()
    return channel


def test_every_column_of_every_table_is_classified():
    """Adding a column to an order table, or a table anywhere, fails here until it says what it holds."""
    for model, classified in privacy.PII_FIELDS.items():
        assert set(classified) == set(model.__table__.columns.keys()), model.__name__
    tables = {table.name for table in db.metadata.sorted_tables}
    known = {model.__tablename__ for model in privacy.PII_FIELDS} | privacy.FREE_OF_CUSTOMER_DATA
    assert tables == known, f"classify {tables - known} in services/privacy.py"


def test_threshold_boundary_one_second_each_side(world):
    channel = with_threshold(world.a.channel, 30)
    inside = closed_order(channel, NOW - timedelta(days=30) + timedelta(seconds=1), "BS-INSIDE")
    past = closed_order(channel, NOW - timedelta(days=30) - timedelta(seconds=1), "BS-PAST")
    with time_machine.travel(NOW, tick=False):
        assert privacy.preview_count(channel.id, 30, NOW) == 1
        assert purge_in_process(channel).status == RunStatus.SUCCEEDED
    assert purged_ids(channel) == {past.id}
    assert db.session.get(SalesOrder, inside.id).customer_email == "jane.doe@example.com"
    with time_machine.travel(NOW + timedelta(seconds=2), tick=False):
        purge_in_process(channel)
    assert purged_ids(channel) == {past.id, inside.id}


def test_what_is_removed_and_what_is_kept(world):
    channel = with_threshold(world.a.channel, 30)
    order = closed_order(channel, NOW - timedelta(days=40), "BS-1")
    cancelled = closed_order(channel, NOW - timedelta(days=40), "BS-2", status=OrderStatus.CANCELLED)
    with time_machine.travel(NOW, tick=False):
        run = purge_now(channel)
    assert run.status == RunStatus.SUCCEEDED and run.counts["purged"] == 2
    db.session.expire_all()
    order = db.session.get(SalesOrder, order.id)
    assert order.pii_purged_at == NOW
    assert (order.customer_name, order.customer_email, order.customer_phone) == (None, None, None)
    assert order.grand_total == Decimal("1234.50") and order.status == OrderStatus.SHIPPED
    assert [(line.sku, line.quantity) for line in order.lines] == [("tee-m-navy", 2)]
    for address in order.addresses:
        assert (address.first_name, address.last_name, address.company) == ("", "", "")
        assert (address.line1, address.line2, address.email, address.phone) == ("", "", "", "")
        assert (address.city, address.subdivision_code, address.postal_code) == ("Austin", "TX", "78701")
        assert (address.country, address.country_code) == ("United States", "US")
    assert db.session.get(SalesOrder, cancelled.id).pii_purged_at == NOW


def test_open_orders_and_other_channels_are_untouched(world):
    channel = with_threshold(world.a.channel, 1)
    long_ago = NOW - timedelta(days=400)
    open_orders = [
        make_order(channel, f"BS-OPEN-{status.value}", status=status, created=long_ago, addresses=[SHIPPING])
        for status in (OrderStatus.DRAFT, OrderStatus.APPROVED, OrderStatus.RELEASED)
    ]
    sibling = SalesChannel(
        account_id=world.a.account.id, name="Sibling", shop_domain="sibling.mybrightsites.com"
    )
    other_tenant = with_threshold(world.b.channel, 1)
    due = closed_order(channel, long_ago, "BS-DUE")
    not_ours = [
        closed_order(sibling, long_ago, "BS-SIBLING"),
        closed_order(world.b.channel, long_ago, "BS-B"),
    ]
    with time_machine.travel(NOW, tick=False):
        run = purge_now(channel)
    assert run.counts["purged"] == 1 and purged_ids(channel) == {due.id}
    for order in open_orders + not_ours:
        kept = db.session.get(SalesOrder, order.id)
        assert kept.pii_purged_at is None and kept.customer_email == "jane.doe@example.com", kept.number
        assert {a.line1 for a in kept.addresses} == {"1 Main St"}
    assert purged_ids(other_tenant) == set()


def test_blank_threshold_keeps_customer_data_forever(world):
    channel = with_threshold(world.a.channel, None)
    order = closed_order(channel, NOW - timedelta(days=3650), "BS-OLD")
    with time_machine.travel(NOW, tick=False):
        assert privacy.preview_count(channel.id, None, NOW) == 0
        assert channel not in due_purges(NOW)
        run = purge_now(channel)
    assert run.status == RunStatus.SUCCEEDED
    assert db.session.get(SalesOrder, order.id).customer_email == "jane.doe@example.com"
    events = db.session.scalars(select(SyncEvent.message).where(SyncEvent.run_id == run.id)).all()
    assert events == ["This channel keeps customer data (no retention threshold): nothing purged."]


def seed_everywhere(channel: SalesChannel, order: SalesOrder) -> None:
    """The sentinel e-mail, with the order's name, phone and street, wherever customer data is copied to."""
    order.customer_email = SENTINEL
    for address in order.addresses:
        address.email = SENTINEL
    db.session.commit()
    add_event(order, f"Order {order.number}: shipping confirmation for {SENTINEL} (Jane Doe, 1 Main St)")
    add_event(
        order, f"Order {order.external_id} could not be read ({SENTINEL})", EventLevel.ERROR, linked=False
    )
    db.session.add_all(
        [
            PendingOrder(
                channel_id=channel.id,
                external_id=order.external_id,
                number=order.number,
                reason=f"Order {order.number}: the store sent data techOMS cannot read ('{SENTINEL}').",
            ),
            AuditEvent(
                account_id=channel.account_id,
                channel_id=channel.id,
                action="order_viewed",
                field="order",
                old_value=f"contact {SENTINEL}, +1 555 123 4567",
                new_value=order.number,
            ),
            ApiCallLog(
                channel_id=channel.id,
                method="GET",
                path=f"/api/v2.7.0/orders/{order.external_id}",
                status=200,
                duration_ms=12,
                response_body=f'{{"order_id": {order.external_id}, "gift": "{SENTINEL}", "to": "Jane Doe"}}',
            ),
            ApiCallLog(
                channel_id=channel.id,
                method="GET",
                path="/api/v2.7.0/orders",
                status=200,
                duration_ms=30,
                response_body=f'{{"orders": [{{"order_id": {order.external_id}, "note": "{SENTINEL}"}}]}}',
            ),
        ]
    )
    db.session.commit()


def test_the_sentinel_is_gone_from_every_table_and_the_dump(world):
    channel = with_threshold(world.a.channel, 30)
    order = closed_order(channel, NOW - timedelta(days=31), "BS-SENT")
    seed_everywhere(channel, order)
    kept = closed_order(
        channel, NOW - timedelta(days=5), "BS-RECENT", customer_email="still.here@example.com"
    )
    assert SENTINEL in database_text() and "1 Main St" in database_text()
    with time_machine.travel(NOW, tick=False):
        run = purge_now(channel, user=world.a.users[Role.ACCOUNT_ADMIN])
    assert run.status == RunStatus.SUCCEEDED
    dump = database_text()
    assert SENTINEL not in dump
    assert "still.here@example.com" in dump  # the search sees data, and recent orders keep theirs
    assert db.session.get(SalesOrder, kept.id).pii_purged_at is None
    assert run.counts == {
        "api_calls": 2,
        "events": 2,
        "pending_orders": 1,
        "audit_rows": 1,
        "purged": 1,
        "addresses": 2,
    }
    messages = db.session.scalars(select(SyncEvent.message).where(SyncEvent.order_id == order.id)).all()
    assert messages == [f"Order {order.number}: shipping confirmation for [removed] ([removed], [removed])"]


def test_one_info_event_and_one_audit_row_without_pii(world):
    channel = with_threshold(world.a.channel, 30)
    order = closed_order(channel, NOW - timedelta(days=31), "BS-AUDIT")
    seed_everywhere(channel, order)
    admin = world.a.users[Role.ACCOUNT_ADMIN]
    with time_machine.travel(NOW, tick=False):
        run = purge_now(channel, user=admin)
    events = db.session.scalars(select(SyncEvent).where(SyncEvent.run_id == run.id)).all()
    assert [(e.level, e.message) for e in events] == [
        (
            EventLevel.INFO,
            "PII purge finished: 1 order closed before 2026-05-02 12:00 UTC purged (2 addresses); customer "
            "data also removed from 2 sync events, 1 pending order, 1 audit row and 2 API log entries.",
        )
    ]
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == purge_pii.AUDIT_ACTION)).all()
    assert len(audit) == 1 and audit[0].user_id == admin.id and audit[0].channel_id == channel.id
    assert f"run {run.id} succeeded; cutoff 2026-05-02T12:00:00+00:00" in audit[0].new_value
    for text in (events[0].message, audit[0].new_value, audit[0].old_value):
        assert SENTINEL not in text and "Jane" not in text and "Main St" not in text


def customer_tables(new_run_id: int | None = None) -> dict[str, list[tuple]]:
    """The rows that hold or copy customer data, without the bookkeeping a new run adds."""
    tables = {
        "orders": select(
            SalesOrder.id, SalesOrder.customer_name, SalesOrder.customer_email, SalesOrder.pii_purged_at
        ),
        "addresses": select(OrderAddress.id, OrderAddress.first_name, OrderAddress.line1, OrderAddress.email),
        "events": select(SyncEvent.id, SyncEvent.message).where(SyncEvent.run_id != new_run_id),
        "pending": select(PendingOrder.id, PendingOrder.reason),
        "audit": select(AuditEvent.id, AuditEvent.old_value).where(
            AuditEvent.action != purge_pii.AUDIT_ACTION
        ),
        "captures": select(ApiCallLog.id, ApiCallLog.response_body),
    }
    return {name: sorted(db.session.execute(query).all()) for name, query in tables.items()}


def test_a_second_run_changes_nothing(world):
    channel = with_threshold(world.a.channel, 30)
    order = closed_order(channel, NOW - timedelta(days=31), "BS-TWICE")
    seed_everywhere(channel, order)
    with time_machine.travel(NOW, tick=False):
        purge_now(channel)
    before = customer_tables()
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        again = purge_now(channel)
    assert again.status == RunStatus.SUCCEEDED
    assert set(again.counts.values()) == {0}
    assert customer_tables(again.id) == before  # the tombstone keeps its first date, too


def test_batches_commit_progress_and_addresses_follow(world):
    channel = with_threshold(world.a.channel, 30)
    orders = [closed_order(channel, NOW - timedelta(days=31, minutes=n), f"BS-B{n}") for n in range(5)]
    with time_machine.travel(NOW, tick=False):
        run = purge_in_process(channel, batch_size=2)
    run = db.session.get(SyncRun, run.id)
    assert (run.progress_done, run.progress_total, run.counts["purged"]) == (5, 5, 5)
    assert purged_ids(channel) == {order.id for order in orders}
    left = db.session.scalars(
        select(OrderAddress.line1).where(OrderAddress.order_id.in_(purged_ids(channel)))
    )
    assert set(left) == {""}


def test_cron_runs_the_purge_daily_for_channels_with_a_threshold(world):
    world.a.channel.import_orders_every = world.b.channel.import_orders_every = None
    channel = with_threshold(world.a.channel, 30)
    deleted = SalesChannel(
        account_id=world.a.account.id,
        name="Gone",
        shop_domain="gone.mybrightsites.com",
        pii_retention_days=10,
        deleted_at=NOW - timedelta(days=100),
    )
    db.session.add(deleted)
    db.session.commit()
    old = closed_order(deleted, NOW - timedelta(days=11), "BS-DELETED-CHANNEL")
    with time_machine.travel(NOW, tick=False):
        assert due_purges(NOW) == [channel, deleted]
        tick()
        queued = db.session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
        assert [(r.channel_id, r.action, r.trigger) for r in queued] == [
            (channel.id, SyncAction.PURGE_PII, SyncTrigger.SCHEDULED),
            (deleted.id, SyncAction.PURGE_PII, SyncTrigger.SCHEDULED),
        ]
        work()
        tick()  # the same day: nothing new
        assert db.session.query(SyncRun).count() == 2
    assert purged_ids(deleted) == {old.id}  # retention holds for a deleted channel's orders too
    with time_machine.travel(NOW + timedelta(days=1, seconds=1), tick=False):
        assert due_purges(NOW + timedelta(days=1, seconds=1)) == [channel, deleted]


def test_shipment_notes_and_old_idempotency_answers_go_too(world):
    """What the shipments work adds: a note typed by a warehouse person is emptied with its order, and the
    replayable first answers to API posts (which quote the note) are kept a day only."""
    from models.api_keys import IdempotencyKey
    from models.shipments import Shipment
    from tests.support.mappings import make_carriers

    channel = with_threshold(world.a.channel, 30)
    service = next(iter(make_carriers().values()))
    due = closed_order(channel, NOW - timedelta(days=31), "BS-NOTE-DUE")
    kept = closed_order(channel, NOW - timedelta(days=29), "BS-NOTE-KEPT")
    for order in (due, kept):
        db.session.add(
            Shipment(
                account_id=order.account_id,
                order_id=order.id,
                channel_id=channel.id,
                carrier_service_id=service.id,
                tracking_number="1Z999",
                ship_date=NOW.date(),
                note=f"Left with Jane Doe, {SENTINEL}",
            )
        )
    for age in (timedelta(days=2), timedelta(hours=1)):
        db.session.add(
            IdempotencyKey(
                account_id=channel.account_id,
                key=f"k-{age}",
                request_hash="0" * 64,
                status_code=201,
                response_body={"note": SENTINEL},
                created_at=NOW - age,
            )
        )
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        assert purge_in_process(channel).status == RunStatus.SUCCEEDED
    db.session.expire_all()
    notes = {s.order_id: s.note for s in db.session.scalars(select(Shipment))}
    assert notes[due.id] is None and SENTINEL in notes[kept.id]
    assert [k.key for k in db.session.scalars(select(IdempotencyKey))] == [f"k-{timedelta(hours=1)}"]
