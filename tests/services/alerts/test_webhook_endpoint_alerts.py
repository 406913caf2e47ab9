"""An account-level alert when a webhook endpoint is disabled (issue 23): no channel, delivered like the
channel alerts (e-mail to the outbox folder, the account's alert webhook), listed in the Outbox; the Webhooks
screen says since when and why, and Re-enable sends the waiting deliveries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.webhook_receiver import Receiver
from extensions import db
from models.alerts import Alert, AlertKind, AlertSettings
from models.base import utcnow
from models.tenancy import Role
from models.webhooks import DeliveryStatus, WebhookEndpoint
from services import outbox
from tests.support.orders import make_order
from tests.support.sync import work
from tests.support.webhooks import deliver, deliveries, make_endpoint
from tests.support.world import ROLE_EMAILS


@pytest.fixture
def alert_outbox(tmp_path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def receiver(app_config, alert_outbox):
    app_config.update(ALERT_OUTBOX=str(alert_outbox), SMTP_HOST="", SYNC_RETRY_INTERVALS=[])
    receiver = Receiver()
    app_config["WEBHOOK_ROUTE_TO"] = receiver.start()
    yield receiver
    receiver.stop()


def failing_for_a_day(endpoint: WebhookEndpoint, world) -> None:
    """One failed delivery, then its first failure moved a day back: the next attempt disables."""
    outbox.record_order(make_order(world.a.channel), "order.created")
    db.session.commit()
    deliver(endpoint)
    (delivery,) = deliveries(endpoint)
    day_ago = utcnow() - timedelta(hours=24, seconds=1)
    delivery.first_attempt_at, delivery.next_attempt_at = day_ago, utcnow()
    db.session.get(WebhookEndpoint, endpoint.id).failing_since = day_ago
    db.session.commit()


def test_a_disabled_endpoint_makes_one_account_alert_sent_and_listed(
    receiver, client, login, world, alert_outbox
):
    db.session.add(AlertSettings(account_id=world.a.account.id, recipients="ops@example.com"))
    endpoint, _ = make_endpoint(world.a.account)
    receiver.down = True
    failing_for_a_day(endpoint, world)
    deliver(endpoint)  # disables, makes the alert, queues its sending
    deliver(endpoint)  # already disabled: no second alert
    refreshed = db.session.get(WebhookEndpoint, endpoint.id)
    assert not refreshed.enabled and refreshed.disabled_at is not None
    (alert,) = db.session.scalars(select(Alert))
    assert alert.kind == AlertKind.WEBHOOK_DISABLED and alert.channel_id is None and alert.channel is None
    assert alert.account_id == world.a.account.id and endpoint.url in alert.subject
    assert "Re-enable" in alert.body and alert.sent_at is None

    work()  # the queued send_alert job
    alert = db.session.get(Alert, alert.id)
    assert alert.sent_at is not None and alert.error == ""
    assert f"alert-{alert.id}-webhook_disabled.eml" in [p.name for p in alert_outbox.iterdir()]

    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page = client.get("/alerts/outbox").get_data(as_text=True)
    assert (
        f'data-testid="alert-{alert.id}" data-kind="webhook_disabled"' in page and "Webhook disabled" in page
    )
    screen = client.get("/api-keys/webhooks/").get_data(as_text=True)
    assert f'data-testid="endpoint-{endpoint.id}-disabled"' in screen and "Since " in screen
    assert "no delivery succeeded for 24 hours" in screen and "Re-enable" in screen

    receiver.down = False
    assert client.post(f"/api-keys/webhooks/{endpoint.id}/enable").status_code == 303
    db.session.expire_all()
    refreshed = db.session.get(WebhookEndpoint, endpoint.id)
    assert refreshed.enabled and refreshed.disabled_at is None and refreshed.disabled_reason == ""
    outbox.record_order(make_order(world.a.channel), "order.updated")
    db.session.commit()
    deliver(endpoint)
    assert [d.status for d in deliveries(endpoint)] == [DeliveryStatus.FAILED, DeliveryStatus.DELIVERED]
    # another account sees none of it
    assert db.session.scalars(select(Alert).where(Alert.account_id == world.b.account.id)).all() == []


def test_the_alert_webhook_payload_names_it_an_account_alert(receiver, world):
    """The account's alert webhook gets it as `account.webhook_disabled`, without a channel."""
    from services.alerts.delivery import webhook_payload
    from services.alerts.webhook_endpoints import endpoint_disabled

    endpoint, _ = make_endpoint(world.a.account)
    endpoint.failing_since = utcnow() - timedelta(days=1)
    alert = endpoint_disabled(endpoint, utcnow())
    db.session.commit()
    body = webhook_payload(alert)
    assert body["event"] == "account.webhook_disabled" and body["channel_id"] is None
    assert endpoint.url in body["subject"]
