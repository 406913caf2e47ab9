"""Export shipments against the simulator over HTTP, run by a real RQ worker on a real Redis (issue #11): one
store shipment per package, the status and update-order options (one PUT for both), unmapped carriers, 422s,
unapproved MOAS orders, unsure outcomes reconciled instead of resent, read-only tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.activity import EventLevel, RunStatus
from models.base import utcnow
from models.channels import ShipmentStoreStatus
from models.orders import OrderStatus, SalesOrder
from models.shipments import ExportProblem, ExportStatus, Shipment
from models.tenancy import Role
from services.channels import token_vault
from tests.support.mappings import add_carrier_mapping
from tests.support.shipments import (
    SHIP_DATE,
    carriers,
    export_channel,
    export_now,
    imported_orders,
    ship,
    ship_all,
    store_lines,
    store_shipments,
)
from tests.support.sync import run_events
from tests.support.world import ROLE_EMAILS


def fresh(shipment: Shipment) -> Shipment:
    db.session.expire_all()
    return db.session.get(Shipment, shipment.id)


def our_lines(shipment: Shipment) -> list[tuple[int, int]]:
    return sorted((line.order_line.external_line_id, line.quantity) for line in fresh(shipment).lines)


def test_a_multi_package_order_partly_then_fully_shipped(simulator, world):
    store, channel = export_channel(
        simulator, world, shipment_store_status=ShipmentStoreStatus.SHIPPED, send_shipping_confirmation=True
    )
    order = imported_orders(channel, min_lines=2)[0]
    first_line, second_line = sorted(order.lines, key=lambda line: line.id)[:2]
    one = ship(order, [first_line.quantity], "1ZPKG0001")
    two = ship(order, [0, 1], "1ZPKG0002")

    run = export_now(channel)
    assert run.status == RunStatus.SUCCEEDED, [e.message for e in run_events(run)]
    assert run.counts == {"sent": 2}
    assert (
        run.api_calls == 2 == simulator.calls(store)["total"]
    )  # one POST per package, no PUT: not all shipped
    on_store = {s["tracking_number"]: s for s in store_shipments(simulator, store)}
    assert set(on_store) == {"1ZPKG0001", "1ZPKG0002"}
    assert (
        store_lines(on_store["1ZPKG0001"])
        == our_lines(one)
        == [(first_line.external_line_id, first_line.quantity)]
    )
    assert store_lines(on_store["1ZPKG0002"]) == our_lines(two) == [(second_line.external_line_id, 1)]
    assert on_store["1ZPKG0001"]["shipping_method"] == "UPS Ground"
    assert on_store["1ZPKG0001"]["ship_date"] == SHIP_DATE.isoformat()
    assert all(s["send_shipping_confirmation"] for s in on_store.values())
    assert (
        fresh(one).export_status == ExportStatus.SENT
        and fresh(one).store_shipment_id == on_store["1ZPKG0001"]["id"]
    )
    assert fresh(one).sent_at is not None
    assert simulator.inspect_order(store, order.external_id)["status"] != "shipped"

    simulator.reset_calls(store)
    again = export_now(channel)
    assert again.api_calls == 0 and again.counts == {}  # nothing waits: nothing is sent twice

    db.session.refresh(order)
    ship_all(order, "1ZPKG0003")
    db.session.refresh(order)
    assert order.status == OrderStatus.SHIPPED
    run = export_now(channel)
    assert run.counts == {"sent": 1, "store_updates": 1}
    assert run.api_calls == 2  # the last package, then the status
    assert simulator.inspect_order(store, order.external_id)["status"] == "shipped"
    assert len(store_shipments(simulator, store)) == 3


def test_status_and_last_shipment_go_in_one_update(simulator, world):
    store, channel = export_channel(
        simulator,
        world,
        shipment_store_status=ShipmentStoreStatus.COMPLETED,
        update_order_with_last_shipment=True,
    )
    order = imported_orders(channel, min_lines=2)[0]
    first = sorted(order.lines, key=lambda line: line.id)[0]
    ship(order, [first.quantity], "1ZFIRST")
    db.session.refresh(order)
    ship_all(order, "1ZLAST")
    run = export_now(channel)
    assert run.status == RunStatus.SUCCEEDED
    assert run.counts == {"sent": 2, "store_updates": 1} and run.api_calls == 3  # 2 POSTs + 1 PUT
    state = simulator.inspect_order(store, order.external_id)
    assert state["status"] == "completed" and state["tracking_number"] == "1ZLAST"
    assert state["shipping_method"] == "UPS Ground" and state["ship_date"] == SHIP_DATE.isoformat()
    assert state["send_shipping_confirmation"] is False  # the PUT never asks for a second email
    db.session.expire_all()
    assert db.session.get(SalesOrder, order.id).store_update_due is False


def test_the_last_shipment_updates_a_partly_shipped_order_without_a_status(simulator, world):
    store, channel = export_channel(
        simulator,
        world,
        shipment_store_status=ShipmentStoreStatus.SHIPPED,
        update_order_with_last_shipment=True,
    )
    order = imported_orders(channel, min_lines=2)[0]
    before = simulator.inspect_order(store, order.external_id)["status"]
    ship(order, [1], "1ZPART")
    run = export_now(channel)
    assert run.api_calls == 2 and run.counts == {"sent": 1, "store_updates": 1}
    state = simulator.inspect_order(store, order.external_id)
    assert state["tracking_number"] == "1ZPART" and state["status"] == before


def test_no_update_when_the_options_are_off(simulator, world):
    store, channel = export_channel(simulator, world)  # status: none, update: no (the defaults)
    orders = imported_orders(channel)[:3]
    for n, order in enumerate(orders):
        ship_all(order, f"1ZOFF{n}")
    run = export_now(channel)
    assert run.counts == {"sent": 3} and run.api_calls == 3 == simulator.calls(store)["total"]
    assert all(simulator.inspect_order(store, o.external_id)["tracking_number"] == "" for o in orders)


def test_unmapped_carrier_is_an_error_until_mapped_and_retried(client, login, simulator, world):
    store, channel = export_channel(simulator, world)
    order = imported_orders(channel)[0]
    shipment = ship(order, [1], "1ZFDX", service=("FDX", "GND"))
    run = export_now(channel)
    assert run.status == RunStatus.PARTIAL and run.api_calls == 0
    shipment = fresh(shipment)
    assert shipment.export_status == ExportStatus.ERROR
    assert shipment.export_problem == ExportProblem.UNMAPPED_CARRIER
    assert "carrier FDX / GND (FedEx Ground) has no carrier mapping" in shipment.export_error
    assert any("FDX / GND" in e.message for e in run_events(run, EventLevel.ERROR))

    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get(f"/orders/{order.id}").data.decode()
    assert "has no carrier mapping" in page and f"/channels/{channel.id}/mappings/carriers" in page
    assert f"/orders/{order.id}/shipments/{shipment.id}/retry" in page

    assert export_now(channel).api_calls == 0  # an error waits for a user, it is not retried on its own
    add_carrier_mapping(channel, carriers()[("FDX", "GND")], "FedEx Ground", primary=True)
    response = client.post(f"/orders/{order.id}/shipments/{shipment.id}/retry")
    assert response.status_code == 303
    from tests.support.sync import work

    work()
    shipment = fresh(shipment)
    assert shipment.export_status == ExportStatus.SENT
    assert store_shipments(simulator, store)[0]["shipping_method"] == "FedEx Ground"
    assert "Sent" in client.get(f"/orders/{order.id}").data.decode()


def test_a_422_is_an_error_with_the_stores_words_and_is_not_retried_alone(client, login, simulator, world):
    store, channel = export_channel(simulator, world)
    order = imported_orders(channel)[0]
    line = sorted(order.lines, key=lambda line: line.id)[0]
    with simulator.client(store) as bs:  # someone shipped the line on the store directly
        bs.create_shipment(
            order.external_id, {"shipment": {"line_items": [{"id": line.external_line_id, "quantity": 1}]}}
        )
    simulator.reset_calls(store)
    shipment = ship(order, [line.quantity], "1ZTOO")
    run = export_now(channel)
    assert run.status == RunStatus.PARTIAL and run.api_calls == 1
    shipment = fresh(shipment)
    assert (
        shipment.export_status == ExportStatus.ERROR
        and shipment.export_problem == ExportProblem.STORE_REFUSED
    )
    assert "exceeds the unshipped quantity" in shipment.export_error
    simulator.reset_calls(store)
    assert export_now(channel).api_calls == 0
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.post(f"/orders/{order.id}/shipments/{shipment.id}/retry").status_code == 303
    from tests.support.sync import work

    work()
    assert simulator.calls(store)["total"] == 1 and fresh(shipment).export_status == ExportStatus.ERROR


def test_an_order_awaiting_moas_approval_is_not_sent(simulator, world):
    store, channel = export_channel(simulator, world)
    order = imported_orders(channel)[0]
    order.store_status = "moas_pending"  # as the last import saw it
    db.session.commit()
    shipment = ship(order, [1], "1ZMOAS")
    run = export_now(channel)
    assert run.api_calls == 0 and run.status == RunStatus.PARTIAL
    shipment = fresh(shipment)
    assert shipment.export_problem == ExportProblem.MOAS_PENDING
    assert "awaits Manager Order Approval (MOAS)" in shipment.export_error


def test_an_unapproved_order_refuses_the_update_until_approved_and_retried(client, login, simulator, world):
    store, channel = export_channel(simulator, world, shipment_store_status=ShipmentStoreStatus.SHIPPED)
    order = imported_orders(channel)[0]
    # The store shows "new", but the order still awaits approval (MOAS).
    simulator.mutate_order(store, order.external_id, "status", status="new", awaiting_approval=True)
    simulator.reset_calls(store)
    shipment = ship_all(order, "1ZUNAPPROVED")
    run = export_now(channel)
    assert run.status == RunStatus.PARTIAL and run.api_calls == 2  # the POST went through, the PUT did not
    assert fresh(shipment).export_status == ExportStatus.SENT
    db.session.expire_all()
    order = db.session.get(SalesOrder, order.id)
    assert "has not been approved yet" in order.store_update_error and "MOAS" in order.store_update_error
    assert "Order has not been approved" in order.store_update_error  # the store's own words

    simulator.reset_calls(store)
    assert export_now(channel).api_calls == 0  # not retried until a user retries
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get(f"/orders/{order.id}").data.decode()
    assert 'id="store-update-error"' in page and "has not been approved yet" in page
    simulator.mutate_order(store, order.external_id, "status", status="paid")  # approved
    assert client.post(f"/orders/{order.id}/store-update/retry").status_code == 303
    from tests.support.sync import work

    work()
    assert simulator.inspect_order(store, order.external_id)["status"] == "shipped"
    db.session.expire_all()
    assert db.session.get(SalesOrder, order.id).store_update_error == ""


def test_a_store_write_whose_answer_was_lost_is_found_not_resent(simulator, world):
    store, channel = export_channel(simulator, world)
    order = imported_orders(channel)[0]
    shipment = ship(order, [1], "1ZLOST")
    simulator.set_faults(store, script=["drop_after"])  # the store writes it, the answer never arrives
    run = export_now(channel)
    assert run.status == RunStatus.SUCCEEDED and run.attempts == 2  # retried by the job
    assert run.counts == {"reconciled": 1}
    shipment = fresh(shipment)
    on_store = store_shipments(simulator, store)
    assert len(on_store) == 1 and shipment.store_shipment_id == on_store[0]["id"]
    assert shipment.export_attempts == 1  # one POST, then one GET of the order's shipments
    assert simulator.calls(store)["total"] == 2


def test_a_request_lost_before_the_store_acted_is_sent_again(simulator, world):
    store, channel = export_channel(simulator, world)
    order = imported_orders(channel)[0]
    shipment = ship(order, [1], "1ZRESEND")
    simulator.set_faults(store, script=["drop"])  # the connection breaks before the store does anything
    run = export_now(channel)
    assert run.status == RunStatus.SUCCEEDED
    assert run.counts == {"sent": 1}
    assert len(store_shipments(simulator, store)) == 1 and fresh(shipment).export_attempts == 2
    assert simulator.calls(store)["total"] == 3  # POST (lost), GET (not there), POST


@pytest.fixture
def settle_a_minute(app_config):
    app_config["SHIPMENT_SETTLE_SECONDS"] = 60


def test_a_shipment_whose_request_may_still_be_in_flight_is_left_alone(settle_a_minute, simulator, world):
    """Another runner (one the sweeper declared dead too early) sent it a moment ago: neither looked for on
    the store nor sent again until its request is certainly over; the other orders go on."""
    store, channel = export_channel(simulator, world)
    busy, other = imported_orders(channel)[:2]
    in_flight = ship(busy, [1], "1ZINFLIGHT")
    in_flight.export_status, in_flight.last_attempt_at, in_flight.export_attempts = (
        ExportStatus.SENDING,
        utcnow(),
        1,
    )
    db.session.commit()
    ship(other, [1], "1ZOTHER")
    run = export_now(channel)
    assert run.counts == {"sent": 1} and simulator.calls(store)["total"] == 1  # only the other order's POST
    assert run.status == RunStatus.FAILED and "checked later" in run.error_summary  # after the job's retries
    assert fresh(in_flight).export_status == ExportStatus.SENDING

    in_flight = fresh(in_flight)
    in_flight.last_attempt_at = utcnow() - timedelta(minutes=2)  # that request is long over
    db.session.commit()
    simulator.reset_calls(store)
    run = export_now(channel)
    assert run.status == RunStatus.SUCCEEDED and run.counts == {"sent": 1}
    assert simulator.calls(store)["total"] == 2  # not on the store (GET), so sent (POST)
    assert len([s for s in store_shipments(simulator, store) if s["tracking_number"] == "1ZINFLIGHT"]) == 1


def test_a_read_only_token_fails_the_run_without_pausing_imports(simulator, world):
    store, channel = export_channel(simulator, world)
    channel.token_ciphertext = token_vault.encrypt(store.readonly_token)
    channel.token_can_write = None  # not known yet
    db.session.commit()
    shipment = ship(imported_orders(channel)[0], [1], "1ZRO")
    run = export_now(channel)
    assert run.status == RunStatus.FAILED and run.attempts == 1 and run.api_calls == 1
    assert "read-only" in run.error_summary
    db.session.expire_all()
    assert fresh(shipment).export_status == ExportStatus.WAITING  # refused before anything was written
    channel = db.session.get(type(channel), channel.id)
    assert channel.token_can_write is False and channel.token_refused_at is None
    simulator.reset_calls(store)
    run = export_now(channel)
    assert run.status == RunStatus.FAILED and run.api_calls == 0 == simulator.calls(store)["total"]


def test_sync_menu_actions_channel_list_and_order_page(client, login, simulator, world):
    store, channel = export_channel(simulator, world)
    order = imported_orders(channel)[0]
    ship(order, [1], "1ZMENU")
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get(f"/channels/{channel.id}/main").data.decode()
    assert f'action="/channels/{channel.id}/sync/export-shipments"' in page
    assert "not available yet" not in page.split("export_shipments_every")[1][:400]
    section = client.get(f"/channels/{channel.id}/sync").data.decode()
    assert 'id="run-card-export_shipments"' in section and "1 shipment waiting." in section

    response = client.post(f"/channels/{channel.id}/sync/export-shipments")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/channels/{channel.id}/sync"
    )
    again = client.post(f"/channels/{channel.id}/sync/export-shipments", follow_redirects=True)
    assert b"already queued or running" in again.data
    from tests.support.sync import work

    work()
    section = client.get(f"/channels/{channel.id}/sync").data.decode()
    card = section.split('id="run-card-export_shipments"')[1].split('id="run-card')[0]
    assert "Succeeded" in card and "1 sent" in card and "0 shipments waiting." in section
    listing = client.get("/channels/").data.decode()
    row = listing.split(f'href="/channels/{channel.id}/main"')[1].split("</tr>")[0]
    assert "Last shipment export" in listing and "1 sent" in row.split('data-testid="last-export"')[1]
    shipment = db.session.scalar(select(Shipment))
    page = client.get(f"/orders/{order.id}").data.decode()
    assert "Sent" in page and f"store shipment {shipment.store_shipment_id}" in page
    assert "sent: store shipment" in page  # the order's events tell it too


def test_supervisors_may_run_the_export_but_not_add_shipments(client, login, simulator, world):
    store, channel = export_channel(simulator, world)
    login(ROLE_EMAILS[Role.ORG_SUPERVISOR])
    assert client.post(f"/channels/{channel.id}/sync/export-shipments").status_code == 303


def test_the_schedule_exports_only_when_something_waits(simulator, world):
    from jobs.cron import tick
    from models.activity import SyncAction, SyncRun, SyncTrigger
    from tests.support.sync import work

    world.a.channel.import_orders_every = world.b.channel.import_orders_every = None  # no such stores
    store, channel = export_channel(simulator, world, import_orders_every=None, export_shipments_every=15)

    def export_runs():
        db.session.expire_all()
        return db.session.scalars(select(SyncRun).where(SyncRun.action == SyncAction.EXPORT_SHIPMENTS)).all()

    tick()
    assert export_runs() == []  # nothing waits: no run, no call
    ship(imported_orders(channel)[0], [1], "1ZCRON")
    tick()
    (run,) = export_runs()
    assert run.trigger == SyncTrigger.SCHEDULED and run.channel_id == channel.id
    work()
    assert db.session.scalar(select(Shipment)).export_status == ExportStatus.SENT
    ship(imported_orders(channel)[1], [1], "1ZCRON2")
    tick()
    assert len(export_runs()) == 1  # not due yet: 15 minutes
    channel.export_shipments_every = None
    db.session.commit()
    db.session.execute(
        SyncRun.__table__.update().values(created_at=utcnow() - timedelta(hours=1))
    )  # long ago, but the automation is off now
    db.session.commit()
    tick()
    assert len(export_runs()) == 1
