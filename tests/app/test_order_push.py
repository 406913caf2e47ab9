"""Order push (issue #15 A): the simulator pushes orders over real HTTP to the intake, a real RQ worker
imports them through the import's own path, at zero API calls per order; the catch-up sweep fetches only
what a push missed."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models.activity import PendingOrder, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.channels import AuditEvent
from models.order_push import OrderArrival, PushedOrder, PushState
from models.orders import OrderStatus, SalesOrder
from models.tenancy import Role
from observability.redaction import redact
from services import privacy
from services.order_push import intake, settings
from sync.start import start_run
from tests.support.order_push import payload, point_store_at, served, turn_push_on, wait_for_pushes
from tests.support.sync import catalog_for, import_now, make_store, next_second, sync_channel, work
from tests.support.world import ROLE_EMAILS

JSON = "application/json"


@pytest.fixture
def shop(simulator, world):
    """A store with no orders yet, its SKUs in the catalog, and a channel with push on."""
    store = make_store(simulator, seed=5, products=4, orders=0, gift_rate=0, moas_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    return store, channel, turn_push_on(channel)


@pytest.fixture
def base_url(app):
    with served(app) as url:
        yield url


def orders_of(channel):
    db.session.expire_all()
    return db.session.scalars(select(SalesOrder).where(SalesOrder.channel_id == channel.id)).all()


def arrivals(channel) -> dict[str, int]:
    rows = db.session.execute(
        select(OrderArrival.path, func.count())
        .where(OrderArrival.channel_id == channel.id)
        .group_by(OrderArrival.path)
    ).all()
    return {path.value: count for path, count in rows}


def test_pushed_order_is_imported_at_zero_api_calls(simulator, shop, base_url):
    store, channel, path = shop
    point_store_at(simulator, store, base_url + path)
    simulator.reset_calls(store)
    order_id = simulator.add_order(store, status="paid")
    stats = wait_for_pushes(simulator, store)["stats"]
    assert stats["sent"] == 1 and stats.get("status_202") == 1
    work()
    [order] = orders_of(channel)
    assert order.external_id == order_id
    assert order.lines and all(line.variant_id for line in order.lines if line.is_physical)
    assert simulator.calls(store)["total"] == 0
    assert arrivals(channel) == {"push": 1}
    run = db.session.scalar(select(SyncRun).where(SyncRun.action == SyncAction.IMPORT_PUSHED))
    assert run.trigger == SyncTrigger.PUSH and run.api_calls == 0 and run.counts.get("created") == 1
    assert db.session.scalar(select(PushedOrder.state)) == PushState.IMPORTED


def test_duplicate_push_writes_nothing_twice(simulator, shop, client):
    store, channel, path = shop
    order_id = simulator.add_order(store, status="paid")
    body = json.dumps(payload(simulator, store, order_id))
    assert client.post(path, data=body, content_type=JSON).status_code == 202
    work()
    assert client.post(path, data=body, content_type=JSON).status_code == 202
    work()
    assert len(orders_of(channel)) == 1
    states = db.session.scalars(select(PushedOrder.state).order_by(PushedOrder.id)).all()
    assert states == [PushState.IMPORTED, PushState.IGNORED]
    # Both copies in one batch: the order is written once.
    for _ in range(2):
        client.post(path, data=body, content_type=JSON)
    work()
    assert len(orders_of(channel)) == 1


def test_health_panel_shows_when_the_intake_last_received_a_push(simulator, shop, client, login):
    store, channel, path = shop
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    panel = re.compile(r'data-testid="health-push".*?</tr>', re.S)
    assert "Nothing yet" in panel.search(client.get(f"/channels/{channel.id}/main").text).group(0)
    order_id = simulator.add_order(store, status="paid")
    before = utcnow()
    assert (
        client.post(path, data=json.dumps(payload(simulator, store, order_id)), content_type=JSON).status_code
        == 202
    )
    db.session.expire_all()
    received = settings.setting_of(channel).last_received_at
    assert received is not None and received >= before - timedelta(seconds=1)
    row = panel.search(client.get(f"/channels/{channel.id}/main").text).group(0)
    assert "Nothing yet" not in row and "Push intake last received" in row
    # Written at most once a minute: a burst of pushes does not queue on the setting's row.
    client.post(path, data=json.dumps(payload(simulator, store, order_id)), content_type=JSON)
    db.session.expire_all()
    assert settings.setting_of(channel).last_received_at == received


def test_older_push_never_overwrites_newer_data(simulator, shop, client):
    store, channel, path = shop
    order_id = simulator.add_order(store, status="paid")
    older = payload(simulator, store, order_id)
    line_id = older["line_items"][0]["id"]
    simulator.mutate_order(store, order_id, "edit", line_id=line_id, quantity=7)
    newer = payload(simulator, store, order_id)
    assert newer["updated_at"] > older["updated_at"]
    for document in (newer, older):  # out of order
        assert client.post(path, data=json.dumps(document), content_type=JSON).status_code == 202
        work()
    [order] = orders_of(channel)
    line = next(li for li in order.lines if li.external_line_id == line_id)
    assert line.quantity == 7
    assert db.session.scalars(select(PushedOrder.state).order_by(PushedOrder.id)).all() == [
        PushState.IMPORTED,
        PushState.IGNORED,
    ]
    # Both in one batch, the older one last: the newer copy wins too.
    simulator.mutate_order(store, order_id, "edit", line_id=line_id, quantity=9)
    newest = payload(simulator, store, order_id)
    client.post(path, data=json.dumps(newest), content_type=JSON)
    client.post(path, data=json.dumps(older), content_type=JSON)
    work()
    db.session.expire_all()
    assert next(li for li in orders_of(channel)[0].lines if li.external_line_id == line_id).quantity == 9


def test_simulator_faults_duplicates_and_out_of_order(simulator, shop, base_url):
    store, channel, path = shop
    point_store_at(
        simulator, store, base_url + path, seed=3, duplicate_rate=0.3, reorder_rate=0.3, concurrency=4
    )
    ids = simulator.admin("POST", f"/stores/{store.subdomain}/orders", {"status": "paid", "count": 20})[
        "order_ids"
    ]
    stats = wait_for_pushes(simulator, store)["stats"]
    assert stats["duplicated"] and stats["reordered"]
    work()
    assert sorted(o.external_id for o in orders_of(channel)) == sorted(ids)
    assert simulator.calls(store)["total"] == 0


def test_push_then_sweep_costs_one_listing_and_no_detail(simulator, shop, base_url):
    store, channel, path = shop
    point_store_at(simulator, store, base_url + path)
    simulator.admin("POST", f"/stores/{store.subdomain}/orders", {"status": "paid", "count": 3})
    wait_for_pushes(simulator, store)
    work()
    simulator.reset_calls(store)
    next_second()
    run = import_now(channel, trigger=SyncTrigger.SCHEDULED)
    assert simulator.calls(store)["total"] == 1  # the listing only
    assert run.counts.get("unchanged") == 3 and not run.counts.get("created")
    assert len(orders_of(channel)) == 3
    assert arrivals(channel) == {"push": 3}


def test_sweep_finds_a_lost_push_with_one_listing_and_one_detail(simulator, shop, base_url):
    store, channel, path = shop
    point_store_at(simulator, store, base_url + path, lost_rate=1.0)
    order_id = simulator.add_order(store, status="paid")
    assert wait_for_pushes(simulator, store)["stats"]["lost"] == 1
    work()
    assert orders_of(channel) == []
    simulator.reset_calls(store)
    next_second()
    import_now(channel, trigger=SyncTrigger.SCHEDULED)
    assert simulator.calls(store)["total"] == 2  # one listing, one detail
    assert [o.external_id for o in orders_of(channel)] == [order_id]
    assert arrivals(channel) == {"sweep": 1}


def test_moas_order_is_pushed_when_approved(simulator, shop, base_url):
    store, channel, path = shop
    point_store_at(simulator, store, base_url + path)
    order_id = simulator.add_order(store, status="moas_pending")
    assert wait_for_pushes(simulator, store)["stats"].get("submitted", 0) == 0
    simulator.mutate_order(store, order_id, "status", status="paid")
    wait_for_pushes(simulator, store)
    work()
    assert [o.external_id for o in orders_of(channel)] == [order_id]


def test_order_in_a_status_not_imported_waits_for_the_listing(simulator, shop, client):
    store, channel, path = shop
    order_id = simulator.add_order(store, status="billed")  # the channel imports new, paid, in progress
    client.post(path, data=json.dumps(payload(simulator, store, order_id)), content_type=JSON)
    work()
    assert orders_of(channel) == []
    assert db.session.scalar(select(PushedOrder.state)) == PushState.IGNORED


def test_unknown_sku_becomes_a_failed_order_with_retry(simulator, world, client):
    store = make_store(simulator, seed=5, products=4, orders=0, gift_rate=0, moas_rate=0)
    channel = sync_channel(store, world.a.account)  # no catalog: no SKU resolves
    path = turn_push_on(channel)
    order_id = simulator.add_order(store, status="paid")
    client.post(path, data=json.dumps(payload(simulator, store, order_id)), content_type=JSON)
    work()
    assert orders_of(channel) == []
    pending = db.session.scalar(select(PendingOrder).where(PendingOrder.channel_id == channel.id))
    assert pending.external_id == order_id and pending.missing_skus
    catalog_for(simulator, store, world.a.account)
    simulator.reset_calls(store)
    run, _ = start_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.RETRY, order_ids=[order_id])
    db.session.commit()  # queues its job
    work()
    assert [o.external_id for o in orders_of(channel)] == [order_id]
    assert simulator.calls(store)["total"] == 1  # the retry's one detail call


@pytest.mark.parametrize("wrong", ["secret", "channel", "off"])
def test_wrong_secret_unknown_channel_or_push_off_are_the_same_404(shop, client, wrong):
    _store, channel, path = shop
    prefix, public_id, secret = path.rsplit("/", 2)
    if wrong == "secret":
        path = f"{prefix}/{public_id}/{secret[:-1]}x"
    elif wrong == "channel":
        path = f"{prefix}/nosuchchannel0000000000/{secret}"
    else:
        settings.turn_off(settings.setting_of(channel), None)
        db.session.commit()
    response = client.post(path, data=b'{"order_id": 1}', content_type=JSON)
    assert response.status_code == 404
    assert response.get_json() == {
        "errors": {"request": ["There is nothing at this path, or it belongs to another account."]}
    }
    assert "Set-Cookie" not in response.headers
    assert db.session.scalar(select(func.count()).select_from(PushedOrder)) == 0
    if wrong != "channel":  # an unknown id is counted under "unknown"
        assert intake.refusal_counts(channel.id)["not_found"] == 1


def test_huge_body_is_413_and_counted(shop, client):
    _store, channel, path = shop
    body = b'{"order_id": 1, "x": "' + b"a" * (1024 * 1024) + b'"}'
    response = client.post(path, data=body, content_type=JSON)
    assert response.status_code == 413
    assert intake.refusal_counts(channel.id)["too_large"] == 1
    assert db.session.scalar(select(func.count()).select_from(PushedOrder)) == 0


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_malformed_json_is_400_and_counted(shop, client, body):
    _store, channel, path = shop
    response = client.post(path, data=body, content_type=JSON)
    assert response.status_code == 400
    assert intake.refusal_counts(channel.id)["unreadable"] == 1
    assert db.session.scalar(select(func.count()).select_from(PushedOrder)) == 0


def test_json_object_without_an_order_id_is_stored_then_set_aside(shop, client):
    _store, channel, path = shop
    assert client.post(path, data=b'{"hello": "world"}', content_type=JSON).status_code == 202
    work()
    assert db.session.scalar(select(PushedOrder.state)) == PushState.UNREADABLE
    assert orders_of(channel) == []


def test_pushes_are_rate_limited_per_channel(make_app, app_config, shop):
    _store, _channel, path = shop
    limited = make_app({**app_config, "ORDER_PUSH_RATE_LIMIT": "2/minute"})
    client = limited.test_client()
    answers = [client.post(path, data=b"[]", content_type=JSON).status_code for _ in range(3)]
    assert answers == [400, 400, 429]


def test_a_push_is_taken_while_redis_is_down(make_app, app_config, shop, simulator):
    """Nothing listens on the configured Redis: the rate check stays open and the job waits for the cron, but
    the push is stored and answered 202 (a refused push is not sent again; a stored one is safe)."""
    store, channel, path = shop
    dead = "redis://127.0.0.1:1/0"
    no_redis = make_app({**app_config, "REDIS_URL": dead, "RATELIMIT_STORAGE_URI": dead})
    order_id = simulator.add_order(store, status="paid")
    answer = no_redis.test_client().post(
        path, data=json.dumps(payload(simulator, store, order_id)), content_type=JSON
    )
    assert answer.status_code == 202
    db.session.expire_all()
    stored = db.session.scalars(select(PushedOrder).where(PushedOrder.channel_id == channel.id)).all()
    assert [(p.external_id, p.state) for p in stored] == [(order_id, PushState.RECEIVED)]


def test_secret_never_reaches_the_access_log():
    line = '127.0.0.1 - - "POST /intake/brightsites/AbC_12/s3cr3t-Value_x HTTP/1.1" 202 -'
    assert redact(line) == '127.0.0.1 - - "POST /intake/brightsites/AbC_12/*** HTTP/1.1" 202 -'


def test_payloads_go_with_the_customer_data_and_a_day_after_import(simulator, shop, client):
    store, channel, path = shop
    first, second = (simulator.add_order(store, status="paid") for _ in range(2))
    for order_id in (first, second):
        client.post(path, data=json.dumps(payload(simulator, store, order_id)), content_type=JSON)
    work()
    now = utcnow()
    purged = db.session.scalar(select(SalesOrder).where(SalesOrder.external_id == first))
    purged.status, purged.closed_at = OrderStatus.SHIPPED, now - timedelta(days=40)
    db.session.commit()
    privacy.empty_orders(privacy.Batch(channel.id, now - timedelta(days=30), 100), now)
    db.session.commit()
    assert db.session.scalars(select(PushedOrder.external_id)).all() == [second]
    assert privacy.forget_imported_payloads(channel.id, now) == 0  # imported just now: kept a day
    assert privacy.forget_imported_payloads(channel.id, now + timedelta(days=2)) == 1


def test_turn_on_shows_the_url_once_rotate_and_turn_off(simulator, world, client, login):
    store = make_store(simulator, seed=5, products=4, orders=0)
    channel = sync_channel(store, world.a.account)
    login("accountadmin@a.test")
    htmx = {"HX-Request": "true"}
    page = client.post(f"/channels/{channel.id}/order-push/on", data={"api_version": "v2.7.0"}, headers=htmx)
    assert page.status_code == 200
    first = _intake_path(page.get_data(as_text=True))
    assert "BrightSites JSON" in page.get_data(as_text=True)
    again = client.get(f"/channels/{channel.id}/advanced").get_data(as_text=True)
    assert first.rsplit("/", 1)[1] not in again and "••••" in again
    rotated = client.post(f"/channels/{channel.id}/order-push/rotate", headers=htmx)
    second = _intake_path(rotated.get_data(as_text=True))
    assert second != first
    assert client.post(first, data=b"{}", content_type=JSON).status_code == 404
    assert client.post(second, data=b'{"order_id": 1}', content_type=JSON).status_code == 202
    client.post(f"/channels/{channel.id}/order-push/off", headers=htmx)
    assert client.post(second, data=b'{"order_id": 1}', content_type=JSON).status_code == 404
    actions = [
        e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.channel_id == channel.id))
    ]
    assert actions.count("order_push_secret_rotated") == 1
    assert all(second.rsplit("/", 1)[1] not in e.new_value for e in db.session.scalars(select(AuditEvent)))


def test_account_users_may_not_change_order_push(simulator, world, client, login):
    channel = sync_channel(make_store(simulator, seed=5, products=4, orders=0), world.a.account)
    login("user@a.test")
    assert (
        client.post(f"/channels/{channel.id}/order-push/on", data={"api_version": "v2.7.0"}).status_code
        == 403
    )
    page = client.get(f"/channels/{channel.id}/advanced").get_data(as_text=True)
    assert "Only organization owners" in page and "Turn push on" not in page


def _intake_path(html: str) -> str:
    match = re.search(r'value="https?://[^/"]+(/intake/brightsites/[^"]+)"', html)
    assert match, "no intake URL in the answer"
    return match.group(1)
