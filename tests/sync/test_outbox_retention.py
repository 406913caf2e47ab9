"""The outbox and webhook log retention purge (issue 23): settled events past the retention go with their
deliveries, in batches; an event an endpoint still has to deliver (pending, or not yet made into deliveries)
stays; the events feed answers 410 with a resume cursor to a cursor before the purged range; the cron queues
the purge at most once an hour and a worker runs it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bench.webhook_receiver import Receiver
from extensions import db
from forms.api_orders import decode_cursor, encode_cursor
from models.base import utcnow
from models.outbox import OutboxEvent, OutboxPurgeMark
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from run_queue.outbox_purge import enqueue_outbox_purge
from services import outbox
from services.webhooks import endpoints
from sync.outbox_retention import purge
from sync.outbox_sequence import try_sequence
from tests.support.orders import make_order
from tests.support.shipments import api_key
from tests.support.sync import work
from tests.support.webhooks import deliver, deliveries, make_endpoint

RETENTION = timedelta(days=30)


@pytest.fixture
def receiver(app_config):
    receiver = Receiver()
    app_config["WEBHOOK_ROUTE_TO"] = receiver.start()
    yield receiver
    receiver.stop()


def event(order, event_type: str = "order.created") -> OutboxEvent:
    recorded = outbox.record_order(order, event_type)
    db.session.commit()
    return recorded


def age(*ids: int, days: int = 31) -> None:
    old = utcnow() - timedelta(days=days)
    db.session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(created_at=old))
    db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.event_id.in_(ids)).values(created_at=old)
    )
    db.session.commit()


def kept() -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(OutboxEvent.id)))


def feed(client, key: str, after: str | None = None):
    query = "" if after is None else f"?after={after}"
    return client.get(f"/api/v1/events{query}", headers={"Authorization": f"Bearer {key}"})


def test_settled_old_events_go_and_undelivered_ones_stay(receiver, client, world):
    endpoint, _ = make_endpoint(world.a.account)
    delivered = [event(make_order(world.a.channel)) for _ in range(3)]
    deliver(endpoint)
    receiver.down = True
    waiting = event(make_order(world.a.channel))
    deliver(endpoint)  # one failed attempt: pending, its retry later
    not_fanned_out = event(make_order(world.a.channel))
    try_sequence()  # placed in the feed, but the dispatcher has not made its delivery yet
    theirs = event(make_order(world.b.channel))  # account b has no endpoint: nothing to deliver
    recent = event(make_order(world.a.channel))
    endpoints.send_test_event(db.session.get(WebhookEndpoint, endpoint.id))
    db.session.commit()
    test_delivery = deliveries(endpoint)[-1]
    test_delivery.status, test_delivery.created_at = DeliveryStatus.DELIVERED, utcnow() - timedelta(days=40)
    db.session.commit()
    old = [e.id for e in delivered] + [waiting.id, not_fanned_out.id, theirs.id]
    age(*old)
    key = api_key(world.a.account)
    before_any = feed(client, key).json["events"][0]["position"]

    outcome = purge(utcnow(), RETENTION, batch=2)  # several batches
    assert outcome.finished and outcome.events == 4 and outcome.deliveries == 4
    assert kept() == {waiting.id, not_fanned_out.id, recent.id}
    assert {d.event_id for d in deliveries(endpoint)} == {waiting.id}
    db.session.expire_all()
    marks = {m.account_id: m.purged_through for m in db.session.scalars(select(OutboxPurgeMark))}
    positions = {e.id: db.session.get(OutboxEvent, e.id) for e in (waiting, not_fanned_out)}
    assert marks[world.b.account.id] > 0 and marks[world.a.account.id] < positions[waiting.id].position

    # the feed: a cursor before the purged range is 410 with a way on; from the resume cursor all is there
    gone = feed(client, key, encode_cursor("position", before_any - 1))
    assert gone.status_code == 410 and "Read the orders again" in gone.json["errors"]["after"][0]
    resume = gone.json["resume_cursor"]
    assert decode_cursor("position", resume) == marks[world.a.account.id]
    page = feed(client, key, resume)
    assert page.status_code == 200
    assert [e["id"] for e in page.json["events"]] == [f"evt_{i}" for i in (waiting.id, not_fanned_out.id)] + [
        f"evt_{recent.id}"
    ]
    assert feed(client, key).status_code == 200  # a new consumer starts at the first event kept
    assert feed(client, api_key(world.b.account), encode_cursor("position", 0)).status_code == 410

    # once delivered (and made into deliveries), they go too
    receiver.down = False
    db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))  # its retry is due
    db.session.commit()
    deliver(endpoint)
    age(waiting.id, not_fanned_out.id)
    assert [d.status for d in deliveries(endpoint)] == [DeliveryStatus.DELIVERED] * 3
    assert purge(utcnow(), RETENTION).events == 2
    assert kept() == {recent.id}


def test_a_deleted_endpoint_keeps_its_log_until_the_retention(receiver, world):
    endpoint, _ = make_endpoint(world.a.account)
    sent = event(make_order(world.a.channel))
    deliver(endpoint)
    endpoints.delete_endpoint(db.session.get(WebhookEndpoint, endpoint.id))
    db.session.commit()
    assert purge(utcnow(), RETENTION).events == 0 and len(deliveries(endpoint)) == 1
    age(sent.id)
    db.session.get(WebhookEndpoint, endpoint.id).deleted_at = utcnow() - timedelta(days=31)
    db.session.commit()
    outcome = purge(utcnow(), RETENTION)
    assert (outcome.events, outcome.deliveries, outcome.endpoints) == (1, 1, 1)


def test_the_cron_queues_it_once_an_hour_and_a_worker_runs_it(app, world):
    make_endpoint(world.a.account)
    old = event(make_order(world.b.channel)).id
    try_sequence()
    age(old)
    assert enqueue_outbox_purge() is True
    assert enqueue_outbox_purge() is False  # within the hour
    work()
    assert old not in kept()
