"""The Webhooks screen: an endpoint's secret shown once and stored encrypted, host rules (422), rotation,
send test, delete keeping the log, the log's filters and Replay; an Account User may not manage webhooks."""

from __future__ import annotations

import re

from sqlalchemy import select

from extensions import db
from models.tenancy import Role
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from services import outbox
from tests.support.orders import make_order
from tests.support.world import ROLE_EMAILS

SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{43}")
NEW = {"url": "https://hooks.example.com/techoms", "event_types": ["order.created", "shipment.sent"]}


def test_an_admin_adds_an_endpoint_whose_secret_is_shown_once(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    assert client.get("/api-keys/").status_code == 200
    assert b'id="webhooks-link"' in client.get("/api-keys/").data
    response = client.post("/api-keys/webhooks/", data=NEW)
    assert response.status_code == 201
    secret = SECRET.search(response.get_data(as_text=True)).group(0)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert (
        endpoint.event_types == ["order.created", "shipment.sent"]
        and secret not in endpoint.secret_ciphertext
    )
    assert secret not in client.get("/api-keys/webhooks/").get_data(as_text=True)
    rotated = client.post(f"/api-keys/webhooks/{endpoint.id}/rotate")
    new_secret = SECRET.search(rotated.get_data(as_text=True)).group(0)
    assert new_secret != secret and "also signs until" in rotated.get_data(as_text=True)


def test_urls_off_the_host_rules_and_no_events_are_422(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    for url, message in {
        "http://hooks.example.com/x": "https://",
        "https://10.0.0.1/x": "",
        "https://user:pw@hooks.example.com/": "user name",
        "https://localhost/x": "",
    }.items():
        response = client.post("/api-keys/webhooks/", data={**NEW, "url": url})
        assert response.status_code == 422 and message in response.get_data(as_text=True), url
    response = client.post("/api-keys/webhooks/", data={"url": NEW["url"]})
    assert response.status_code == 422 and "at least one event type" in response.get_data(as_text=True)
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_the_log_filters_replays_and_survives_deleting_the_endpoint(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    client.post("/api-keys/webhooks/", data=NEW)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert client.post(f"/api-keys/webhooks/{endpoint.id}/test").status_code == 303
    outbox.record_order(make_order(world.a.channel), "order.created")
    db.session.commit()
    from sync import webhook_dispatch as dispatch

    dispatch.fan_out()
    test, created = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    created.status = DeliveryStatus.FAILED
    db.session.commit()
    page = client.get("/api-keys/webhooks/?status=failed").get_data(as_text=True)
    assert f'delivery-{created.id}"' in page and f'delivery-{test.id}"' not in page
    page = client.get("/api-keys/webhooks/?event=test").get_data(as_text=True)
    assert f'delivery-{test.id}"' in page and f'delivery-{created.id}"' not in page
    assert client.post(f"/api-keys/webhooks/deliveries/{created.id}/replay").status_code == 303
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, created.id).status == DeliveryStatus.PENDING
    assert client.post(f"/api-keys/webhooks/{endpoint.id}/delete").status_code == 303
    page = client.get("/api-keys/webhooks/").get_data(as_text=True)
    assert "Deleted" in page and f'delivery-{created.id}"' in page


def test_an_account_user_may_not_manage_webhooks(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.get("/api-keys/webhooks/").status_code == 403
    assert client.post("/api-keys/webhooks/", data=NEW).status_code == 403
