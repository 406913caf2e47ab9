"""Shipments coming in from fulfilment: "Add shipment" on the order page, the order's status from its lines'
shipped quantities, and the database's guard against shipping more than was ordered, also under concurrent
requests."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.orders import OrderStatus, SalesOrder, SalesOrderLine
from models.shipments import ExportProblem, ExportStatus, Shipment
from models.tenancy import Role
from services.shipments import recording
from sync import order_upsert
from tests.support.shipments import carriers, line_ids, order_to_ship, shipment_input
from tests.support.world import ROLE_EMAILS


def form_data(order: SalesOrder, quantities: list[int], **fields) -> dict:
    service = carriers()[("UPS", "GND")]
    data = {f"quantity_{line_id}": str(q) for line_id, q in zip(line_ids(order), quantities, strict=True)}
    return {
        **data,
        "carrier_service_id": str(service.id),
        "warehouse_id": "",
        "tracking_number": "1ZPAGE0001",
        "ship_date": "2026-11-30",
        "note": "",
        **fields,
    }


def shipped(order: SalesOrder) -> list[int]:
    db.session.expire_all()
    return [line.shipped_quantity for line in sorted(order.lines, key=lambda line: line.id)]


def test_account_user_ships_part_then_the_rest(client, world, login):
    order = order_to_ship(world.a.channel, 3, 2)
    carriers()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get(f"/orders/{order.id}").data.decode()
    assert "Add shipment" in page and f'name="quantity_{line_ids(order)[0]}"' in page

    response = client.post(f"/orders/{order.id}/shipments", data=form_data(order, [1, 0]))
    assert response.status_code == 303
    assert shipped(order) == [1, 0]
    db.session.refresh(order)
    assert order.status == OrderStatus.PARTIALLY_SHIPPED and order.closed_at is None
    page = client.get(f"/orders/{order.id}").data.decode()
    assert "1ZPAGE0001" in page and "Waiting" in page and "Partially shipped" in page

    response = client.post(
        f"/orders/{order.id}/shipments", data=form_data(order, [2, 2], tracking_number="1ZPAGE0002")
    )
    assert response.status_code == 303
    assert shipped(order) == [3, 2]
    db.session.refresh(order)
    assert order.status == OrderStatus.SHIPPED and order.closed_at is not None  # the PII clock starts
    shipments = db.session.scalars(select(Shipment).order_by(Shipment.id)).all()
    assert [s.export_status for s in shipments] == [ExportStatus.WAITING, ExportStatus.WAITING]
    assert shipments[0].created_by_id == world.a.users[Role.ACCOUNT_USER].id
    page = client.get(f"/orders/{order.id}").data.decode()
    assert 'action="/orders/' not in page.split('id="order-shipments"')[1].split("</section>")[0]


def test_more_than_is_left_is_refused_and_the_form_kept(client, world, login):
    order = order_to_ship(world.a.channel, 3, 2)
    carriers()
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post(
        f"/orders/{order.id}/shipments",
        data=form_data(order, [4, 0], tracking_number="KEEP-ME"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    body = response.data.decode()
    assert "Enter 0 to 3." in body and 'value="KEEP-ME"' in body and "<html" not in body
    assert shipped(order) == [0, 0] and db.session.scalar(select(func.count(Shipment.id))) == 0


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"tracking_number": ""}, "Enter the tracking number."),
        ({"carrier_service_id": ""}, "Choose the carrier and service."),
        ({"carrier_service_id": "999999"}, "Choose the carrier and service."),
        ({"ship_date": "1999-12-31"}, "cannot be before 2000-01-01"),
        ({"tracking_number": "1Z\x00"}, "Remove control characters"),
        ({"warehouse_id": "999999"}, "Choose one of the account"),
    ],
)
def test_bad_fields_are_explained(client, world, login, fields, message):
    order = order_to_ship(world.a.channel, 3)
    carriers()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    response = client.post(f"/orders/{order.id}/shipments", data=form_data(order, [1], **fields))
    assert response.status_code == 422 and message in response.data.decode()
    assert shipped(order) == [0]


def test_nothing_to_ship_is_refused(client, world, login):
    order = order_to_ship(world.a.channel, 3)
    carriers()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    response = client.post(f"/orders/{order.id}/shipments", data=form_data(order, [0]))
    assert response.status_code == 422 and "Enter a quantity for at least one line." in response.data.decode()


def test_supervisors_may_not_add_shipments(client, world, login):
    order = order_to_ship(world.a.channel, 3)
    carriers()
    login(ROLE_EMAILS[Role.ORG_SUPERVISOR])
    assert "Add shipment" not in client.get(f"/orders/{order.id}").data.decode()
    assert client.post(f"/orders/{order.id}/shipments", data=form_data(order, [1])).status_code == 403
    assert shipped(order) == [0]


@pytest.mark.parametrize(
    "status, message",
    [
        (OrderStatus.DRAFT, "draft waiting for review"),
        (OrderStatus.CANCELLED, "is cancelled"),
    ],
)
def test_orders_that_cannot_ship(client, world, login, status, message):
    order = order_to_ship(world.a.channel, 3)
    order.status = status
    db.session.commit()
    carriers()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get(f"/orders/{order.id}").data.decode()
    assert "Add shipment" not in page and message in page
    with pytest.raises(recording.ShipmentRefused) as refused:
        recording.create_shipment(order, shipment_input(order, [1]))
    assert message in refused.value.errors["order"][0]
    db.session.rollback()


def test_gift_lines_and_foreign_lines_are_refused(world):
    order = order_to_ship(world.a.channel, 3)
    gift = SalesOrderLine(
        external_line_id=1,
        sku="GIFTCERT",
        name="Gift",
        quantity=1,
        unit_price=0,
        total_price=0,
        is_physical=False,
    )
    order.lines.append(gift)
    other = order_to_ship(world.a.channel, 5)
    db.session.commit()
    data = shipment_input(order, [1])
    bad = recording.ShipmentInput(
        lines=[(gift.id, 1), (other.lines[0].id, 1)],
        carrier_service=data.carrier_service,
        tracking_number="X",
        ship_date=data.ship_date,
    )
    with pytest.raises(recording.ShipmentRefused) as refused:
        recording.create_shipment(order, bad)
    problems = " ".join(refused.value.errors["lines"])
    assert (
        "not a physical item" in problems and f"Line {other.lines[0].id} is not a line of order" in problems
    )
    db.session.rollback()


def test_the_database_refuses_shipping_beyond_the_ordered_quantity(world):
    order = order_to_ship(world.a.channel, 3)
    line_id = line_ids(order)[0]
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(SalesOrderLine).where(SalesOrderLine.id == line_id).values(shipped_quantity=4)
        )
        db.session.flush()
    db.session.rollback()


def test_a_stale_check_is_caught_by_the_conditional_update(app, world):
    """Session one read the order before session two shipped a line in full: its own check still passes, the
    database's conditional UPDATE does not."""
    order = order_to_ship(world.a.channel, 3, 2)
    carriers()
    order_id = order.id
    assert order.lines[0].shipped_quantity == 0  # loaded here, before the other request ships
    with app.app_context():  # another request, another session
        other = db.session.get(SalesOrder, order_id)
        recording.create_shipment(other, shipment_input(other, [3, 0], tracking="FIRST"))
        db.session.commit()
    assert order.lines[0].shipped_quantity == 0  # this session has not seen it: its own check passes
    with pytest.raises(recording.ShipmentRefused) as refused:
        recording.create_shipment(order, shipment_input(order, [2, 0], tracking="SECOND"))
    assert "2 is more than the 0 left to ship of 3 ordered" in refused.value.errors["lines"][0]
    db.session.rollback()
    assert shipped(order) == [3, 0] and db.session.scalar(select(func.count(Shipment.id))) == 1


def test_concurrent_shipments_never_exceed_the_ordered_quantity(app, world):
    """Two requests ship the whole line at the same time: the second waits for the first (row lock on
    PostgreSQL, the write lock on SQLite) and is refused; the line is shipped exactly once."""
    order = order_to_ship(world.a.channel, 3)
    carriers()
    order_id = order.id
    first_holds_lock, first_may_commit = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def first() -> None:
        with app.app_context():
            mine = db.session.get(SalesOrder, order_id)
            recording.create_shipment(mine, shipment_input(mine, [3], tracking="FIRST"))
            db.session.flush()  # the UPDATE ran: lock held until commit
            first_holds_lock.set()
            first_may_commit.wait(10)
            db.session.commit()
            outcomes["first"] = "created"

    def second() -> None:
        with app.app_context():
            mine = db.session.get(SalesOrder, order_id)
            try:
                recording.create_shipment(mine, shipment_input(mine, [3], tracking="SECOND"))
                db.session.commit()
                outcomes["second"] = "created"
            except recording.ShipmentRefused as refused:
                db.session.rollback()
                outcomes["second"] = refused.errors.get("lines", refused.errors.get("order"))[0]

    one = threading.Thread(target=first)
    one.start()
    assert first_holds_lock.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)  # it is waiting for the lock, not finished
    assert two.is_alive() or "second" in outcomes
    first_may_commit.set()
    one.join(10)
    two.join(10)
    assert outcomes["first"] == "created"
    assert outcomes["second"] != "created" and "ship" in outcomes["second"]
    assert shipped(order) == [3]
    assert db.session.scalar(select(func.count(Shipment.id))) == 1
    raw = db.session.execute(text("SELECT shipped_quantity, quantity FROM sales_order_line")).one()
    assert raw == (3, 3)


def test_a_store_cancellation_cancels_what_has_shipped_and_stops_the_unsent_shipment(world):
    order = order_to_ship(world.a.channel, 3)
    shipment = recording.create_shipment(order, shipment_input(order, [1]))
    db.session.commit()
    seen = order_upsert.cancel(order)
    db.session.commit()
    assert seen is not None and seen.shipped_units == 1 and seen.stopped == [shipment]
    assert order.status == OrderStatus.CANCELLED and order.store_status == "canceled"
    assert shipment.export_status == ExportStatus.ERROR
    assert shipment.export_problem == ExportProblem.ORDER_CANCELLED
    assert all(line.allocated_quantity == 0 for line in order.lines)
    assert order_upsert.cancel(order) is None  # seen once: nothing changes again
    with pytest.raises(recording.ShipmentRefused) as refused:
        recording.create_shipment(order, shipment_input(order, [1]))
    assert refused.value.conflict and "cancelled" in refused.value.errors["order"][0]
