"""Event webhooks end to end against a real HTTP receiver: signed deliveries of what the API and the sync
write, the rotation overlap, the retry schedule, in order per order, 3xx as failure, capped excerpts, giving
up and disabling after the window, replay and test events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.webhook_receiver import Receiver
from connectors.signed_webhooks import EXCERPT_BYTES, verify
from extensions import db
from jobs import webhook_jobs
from models.base import utcnow
from models.webhooks import DeliveryStatus, WebhookEndpoint
from run_queue.enqueue import sync_queue
from services import outbox
from services.webhooks import endpoints
from sync.webhook_sending import RetryPolicy
from tests.support.orders import make_order
from tests.support.shipments import api_key, post_shipment, shipment_body
from tests.support.webhooks import deliver, deliveries, make_endpoint


@pytest.fixture
def receiver(app_config):
    receiver = Receiver()
    app_config["WEBHOOK_ROUTE_TO"] = receiver.start()
    yield receiver
    receiver.stop()


def order_events(order, *types: str) -> None:
    for event_type in types:
        outbox.record_order(order, event_type)
    db.session.commit()


def test_a_posted_shipment_arrives_signed_with_its_event_id(receiver, client, world):
    endpoint, secret = make_endpoint(world.a.account, types=["shipment.recorded"])
    receiver.secret = secret
    order = make_order(world.a.channel, lines=[{"quantity": 2}])
    key = api_key(world.a.account)
    assert post_shipment(client, key, order.id, shipment_body(order, [1])).status_code == 201
    order_events(order, "order.updated")  # a type the endpoint did not choose
    assert secret not in deliver(endpoint)
    (got,) = receiver.deliveries
    assert got.verified and got.event_type == "shipment.recorded" and got.path == "/techoms"
    assert got.event_id.startswith("evt_") and got.body["data"]["order_id"] == order.id
    (logged,) = deliveries(endpoint)
    assert logged.status == DeliveryStatus.DELIVERED and logged.response_status == 200
    assert logged.response_excerpt == '{"ok": true}'
    # nothing of another account goes to it
    make_endpoint(world.b.account)
    order_events(make_order(world.b.channel), "order.created")
    deliver(endpoint)
    assert len(receiver.deliveries) == 1


def test_a_rotated_secret_signs_with_both_during_the_overlap(receiver, client, world):
    endpoint, old = make_endpoint(world.a.account)
    new = endpoints.rotate_secret(endpoint)
    db.session.commit()
    body = b'{"x":1}'
    now = utcnow()
    from sync.webhook_sending import headers  # the header a delivery carries

    class Stub:  # a delivery with no event: only what headers() reads
        event = None
        test_payload = {"id": "evt_test"}
        event_type = "test"
        id = 1

    Stub.endpoint = endpoint
    header = headers(Stub, body, now)["TechOMS-Signature"]
    stamp = int(now.timestamp())
    assert verify(old, header, body, now=stamp) and verify(new, header, body, now=stamp)
    assert not verify("whsec_wrong", header, body, now=stamp)
    assert not verify(new, header, b'{"x":2}', now=stamp)  # the body is signed
    assert not verify(new, header, body, now=stamp + 3600)  # and so is the time
    endpoint.previous_secret_expires_at = now - timedelta(seconds=1)
    later = headers(Stub, body, now)["TechOMS-Signature"]
    assert verify(new, later, body, now=stamp) and not verify(old, later, body, now=stamp)


def test_the_retry_schedule_doubles_and_is_capped():
    policy = RetryPolicy(base=timedelta(seconds=30), maximum=timedelta(hours=1))
    assert [policy.delay(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


def test_a_failed_event_holds_back_its_orders_later_events_only(receiver, client, world):
    endpoint, secret = make_endpoint(world.a.account)
    receiver.secret = secret
    first, second = make_order(world.a.channel), make_order(world.a.channel)
    order_events(first, "order.created")
    receiver.down = True
    deliver(endpoint)
    receiver.down = False
    order_events(first, "order.updated")
    order_events(second, "order.created")
    started = utcnow()
    deliver(endpoint)
    failed, held, other = deliveries(endpoint)
    assert failed.status == DeliveryStatus.PENDING and failed.attempts == 1 and failed.response_status == 503
    assert timedelta(seconds=25) < failed.next_attempt_at - started < timedelta(seconds=35)
    assert held.status == DeliveryStatus.PENDING and held.attempts == 0  # waits for the first
    assert other.status == DeliveryStatus.DELIVERED
    failed.next_attempt_at = utcnow()  # its retry time has come
    db.session.commit()
    deliver(endpoint)
    assert [d.event_type for d in receiver.deliveries] == ["order.created", "order.created", "order.updated"]
    assert [d.body["data"]["id"] for d in receiver.deliveries[1:]] == [first.id, first.id]
    assert [d.body["object"]["version"] for d in receiver.deliveries[1:]] == [1, 2]


def test_a_redirect_is_a_failure_and_the_answer_is_cut(receiver, client, world):
    endpoint, _ = make_endpoint(world.a.account)
    receiver.status, receiver.answer = 302, b"x" * 5000
    order_events(make_order(world.a.channel), "order.created")
    deliver(endpoint)
    (delivery,) = deliveries(endpoint)
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_status == 302
    assert "redirect" in delivery.error and len(delivery.response_excerpt) == EXCERPT_BYTES


def test_after_a_day_of_failures_it_gives_up_and_disables_the_endpoint(receiver, client, world):
    endpoint, _ = make_endpoint(world.a.account)
    receiver.down = True
    order = make_order(world.a.channel)
    order_events(order, "order.created", "order.updated")
    deliver(endpoint)
    first, second = deliveries(endpoint)
    day_ago = utcnow() - timedelta(hours=24, seconds=1)
    first.first_attempt_at, first.next_attempt_at = day_ago, utcnow()
    db.session.get(WebhookEndpoint, endpoint.id).failing_since = day_ago
    db.session.commit()
    deliver(endpoint)
    first, second = deliveries(endpoint)
    assert first.status == DeliveryStatus.FAILED and first.attempts == 2
    refreshed = db.session.get(WebhookEndpoint, endpoint.id)
    assert not refreshed.enabled and "no delivery succeeded for 24 hours" in refreshed.disabled_reason
    receiver.down = False
    deliver(endpoint)  # disabled: nothing is sent
    assert receiver.deliveries == [] and second.status == DeliveryStatus.PENDING
    endpoints.enable(refreshed)
    db.session.commit()
    deliver(endpoint)  # the order's later event goes on once the first is given up
    assert [d.event_type for d in receiver.deliveries] == ["order.updated"]


def test_replay_and_test_event_send_again_with_the_same_event_id(receiver, client, world):
    endpoint, secret = make_endpoint(world.a.account)
    receiver.secret = secret
    order_events(make_order(world.a.channel), "order.created")
    deliver(endpoint)
    (delivery,) = deliveries(endpoint)
    assert endpoints.replay(delivery)
    endpoints.send_test_event(db.session.get(WebhookEndpoint, endpoint.id))
    db.session.commit()
    deliver(endpoint)
    created = receiver.deliveries[0]
    # the replay and the test event go out side by side: their order of arrival is not fixed
    (test,) = [got for got in receiver.deliveries[1:] if got.event_type == "test"]
    (again,) = [got for got in receiver.deliveries[1:] if got.event_type == "order.created"]
    assert test.verified and again.event_id == created.event_id and again.verified


def test_deleting_an_endpoint_keeps_its_log(receiver, client, world):
    endpoint, _ = make_endpoint(world.a.account)
    order_events(make_order(world.a.channel), "order.created")
    deliver(endpoint)
    endpoints.delete_endpoint(db.session.get(WebhookEndpoint, endpoint.id))
    order_events(make_order(world.a.channel), "order.created")
    deliver(endpoint)
    assert [d.status for d in deliveries(endpoint)] == [DeliveryStatus.DELIVERED]
    assert len(receiver.deliveries) == 1


def test_the_dispatcher_queues_one_job_per_endpoint_with_due_work(receiver, app, world):
    endpoint, _ = make_endpoint(world.a.account)
    assert webhook_jobs.dispatch_once() == 0
    order_events(make_order(world.a.channel), "order.created")
    assert webhook_jobs.dispatch_once() == 1
    assert webhook_jobs.dispatch_once() == 0  # one waits already
    queue = sync_queue()
    (job,) = queue.jobs
    assert job.func_name == "jobs.webhook_jobs.deliver_endpoint" and job.args == [endpoint.id]
    job.perform()  # the receiver records a delivery before it answers, so it is there when perform returns
    assert len(receiver.deliveries) == 1


def test_parallel_sends_keep_each_orders_events_in_order(receiver, app, world):
    """Several requests in flight, each the head of a different order: under 30% failures every event
    arrives, and each order's first receipts are in commit order."""
    from sync import webhook_dispatch
    from sync.webhook_sending import send_due

    endpoint, secret = make_endpoint(world.a.account)
    receiver.secret, receiver.fail_rate = secret, 0.3
    orders = [make_order(world.a.channel) for _ in range(6)]
    kinds = ("order.created", "order.updated", "order.cancelled")
    for kind in kinds:
        for order in orders:
            outbox.record_order(order, kind)
        db.session.commit()
    webhook_dispatch.fan_out()
    no_wait = RetryPolicy(base=timedelta(0), maximum=timedelta(0))
    for _ in range(40):
        send_due(endpoint.id, no_wait, route_to=app.config["WEBHOOK_ROUTE_TO"], budget=5, parallel=4)
        if all(d.status == DeliveryStatus.DELIVERED for d in deliveries(endpoint)):
            break
    assert [d.status for d in deliveries(endpoint)] == [DeliveryStatus.DELIVERED] * 18
    assert receiver.refused > 0 and all(got.verified for got in receiver.deliveries)
    firsts: dict[int, list[str]] = {}
    seen: set[str] = set()
    for got in receiver.deliveries:
        if got.event_id not in seen:
            seen.add(got.event_id)
            firsts.setdefault(got.body["data"]["id"], []).append(got.event_type)
    assert firsts == {order.id: list(kinds) for order in orders}
