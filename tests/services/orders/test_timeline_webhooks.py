"""The order timeline shows the webhook deliveries of the order's events (issue 23): delivered, failed or
still trying, the endpoint (id and host, not its path) and the attempts; another account's deliveries that
happen to carry the same order id never appear."""

from __future__ import annotations

import pytest

from bench.webhook_receiver import Receiver
from extensions import db
from models.base import utcnow
from models.tenancy import Role
from models.webhooks import DeliveryStatus, WebhookDelivery
from services import outbox
from services.orders.timeline import timeline
from tests.support.orders import make_order
from tests.support.webhooks import deliver, deliveries, make_endpoint
from tests.support.world import ROLE_EMAILS


@pytest.fixture
def receiver(app_config):
    receiver = Receiver()
    app_config["WEBHOOK_ROUTE_TO"] = receiver.start()
    yield receiver
    receiver.stop()


def test_deliveries_of_the_orders_events_are_on_its_timeline(receiver, client, login, world):
    order = make_order(world.a.channel)
    up, _ = make_endpoint(
        world.a.account, "https://hooks.example.com/up/secret-path", types=["order.created"]
    )
    down, _ = make_endpoint(world.a.account, "https://down.example.com/x", types=["order.created"])
    theirs, _ = make_endpoint(world.b.account, "https://theirs.example.com/x")
    outbox.record_order(order, "order.created")
    outbox.record_order(make_order(world.a.channel), "order.created")  # another order's event
    db.session.commit()
    deliver(up)
    receiver.down = True
    deliver(down)
    (waiting,) = [d for d in deliveries(down) if d.order_id == order.id]
    assert waiting.status == DeliveryStatus.PENDING and waiting.attempts == 1
    # another account's delivery with the same order id (a number, no foreign key) stays out
    db.session.add(
        WebhookDelivery(
            account_id=world.b.account.id, endpoint_id=theirs.id, event_type="order.created",
            order_id=order.id, position=0, status=DeliveryStatus.FAILED, attempts=3,
            next_attempt_at=utcnow(), error="theirs",
        )
    )  # fmt: skip
    db.session.commit()

    webhooks = [e for e in timeline(order) if e.kind == "webhook"]
    texts = " | ".join(e.text for e in webhooks)
    assert len(webhooks) == 2, texts
    assert f"to endpoint {up.id} (hooks.example.com): delivered after 1 attempt" in texts
    assert f"to endpoint {down.id} (down.example.com): not delivered yet, 1 attempt so far" in texts
    assert "secret-path" not in texts and "theirs" not in texts
    assert [e.level for e in webhooks] == ["info", "warning"] or [e.level for e in webhooks] == [
        "warning",
        "info",
    ]

    waiting = db.session.get(WebhookDelivery, waiting.id)
    waiting.status, waiting.error = DeliveryStatus.FAILED, "The receiver answered 503."
    db.session.commit()
    failed = [e for e in timeline(order) if e.kind == "webhook" and e.level == "error"]
    assert [e.text.split(": ", 1)[1] for e in failed] == [
        "failed after 1 attempt, The receiver answered 503."
    ]

    login(ROLE_EMAILS[Role.ACCOUNT_USER])  # whoever may read the order sees them on its page
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "delivered after 1 attempt" in page and 'data-kind="webhook"' in page
