"""GET /api/v1/events: events written with their change, read in commit order after a stored cursor; a
writer that took a lower id but committed later is still seen (PostgreSQL); other accounts' events never."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from extensions import db
from models.orders import SalesOrder
from models.outbox import OutboxEvent
from services import outbox
from sync import outbox_sequence
from tests.support.orders import make_order
from tests.support.shipments import api_key, export_channel, post_shipment, shipment_body


def feed(client, key: str, after: str | None = None, **params: str):
    query = {**({"after": after} if after else {}), **params}
    response = client.get("/api/v1/events", query_string=query, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.json
    return response.json


def test_a_shipment_posted_is_an_event_and_the_cursor_resumes_after_it(client, world):
    key = api_key(world.a.account)
    order = make_order(world.a.channel, lines=[{"quantity": 3}])
    first = feed(client, key)
    assert first["events"] == []
    assert post_shipment(client, key, order.id, shipment_body(order, [1])).status_code == 201
    page = feed(client, key, first["next_cursor"])
    (event,) = page["events"]
    assert event["type"] == "shipment.recorded" and event["data"]["order_id"] == order.id
    assert event["object"]["type"] == "shipment" and event["object"]["version"] == 1
    assert event["id"].startswith("evt_") and event["created_at"].endswith("Z")
    assert feed(client, key, page["next_cursor"])["events"] == []  # a restart with the stored cursor
    assert post_shipment(client, key, order.id, shipment_body(order, [1])).status_code == 201
    assert [e["type"] for e in feed(client, key, page["next_cursor"])["events"]] == ["shipment.recorded"]
    # another account's key sees nothing of it
    assert feed(client, api_key(world.b.account))["events"] == []


def test_a_refused_shipment_writes_no_event(client, world):
    key = api_key(world.a.account)
    order = make_order(world.a.channel, lines=[{"quantity": 1}])
    assert post_shipment(client, key, order.id, shipment_body(order, [5])).status_code == 422
    assert feed(client, key)["events"] == []


def test_imported_orders_are_order_created_events(client, simulator, world):
    _store, channel = export_channel(simulator, world, orders=6)
    key = api_key(world.a.account)
    events = feed(client, key, type="order.created")["events"]
    imported = db.session.scalars(select(SalesOrder.id).where(SalesOrder.channel_id == channel.id)).all()
    assert sorted(e["object"]["id"] for e in events) == sorted(imported) and len(imported) >= 2
    assert {e["data"]["channel_id"] for e in events} == {channel.id}
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)


def test_bad_cursor_and_unknown_parameters_are_422(client, world):
    key = api_key(world.a.account)
    for query, field in {"after=zzz": "after", "since=1": "since", "type=order.eaten": "type"}.items():
        response = client.get(f"/api/v1/events?{query}", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 422 and field in response.json["errors"], query
    assert client.get("/api/v1/events").status_code == 401


def _event(session: Session, account_id: int, object_id: int) -> OutboxEvent:
    event = OutboxEvent(
        account_id=account_id, type="order.updated", object_type="order", object_id=object_id, data={}
    )
    session.add(event)
    session.flush()  # takes its id now
    return event


def test_events_committed_out_of_id_order_are_each_read_once_in_commit_order(client, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers: two transactions cannot hold uncommitted events at once")
    key = api_key(world.a.account)
    account_id = world.a.account.id
    slow, fast = Session(db.engine), Session(db.engine)
    try:
        early = _event(slow, account_id, 7)  # takes the lower id, commits last
        late = _event(fast, account_id, 7)
        assert early.id < late.id
        fast.commit()
        page = feed(client, key)
        assert [e["id"] for e in page["events"]] == [f"evt_{late.id}"]
        slow.commit()
        page = feed(client, key, page["next_cursor"])
        assert [e["id"] for e in page["events"]] == [f"evt_{early.id}"]
        assert page["events"][0]["object"]["version"] == 2  # versions follow commit order too
        assert feed(client, key, page["next_cursor"])["events"] == []
    finally:
        slow.close()
        fast.close()


def test_sequencers_running_at_once_give_each_event_one_position(app, world):
    for n in range(30):
        outbox.record(world.a.account.id, "order.updated", "order", n, {})
    db.session.commit()
    import threading

    def sequence_in_own_context():
        with app.app_context():
            outbox_sequence.try_sequence()
            db.session.remove()

    threads = [threading.Thread(target=sequence_in_own_context) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outbox_sequence.try_sequence()
    positions = sorted(db.session.scalars(select(OutboxEvent.position)))
    assert positions == list(range(1, 31))
