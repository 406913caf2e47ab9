"""A downgrade refuses rows the older code cannot read (issue 27, item 12): enums are strings without a
database type, so a value a later version added needs no schema change, but the older code fails on a row
holding it (LookupError, a 500 on the channel list). Each migration that came with such a value checks for it
on downgrade and refuses with the table, column, value and row count (migrations/unreadable_rows.py). One
case per migration, on the suite's engine (SQLite, or PostgreSQL with DATABASE_URL): the rows are made at
head, the downgrade to just below the migration is refused and keeps them; once they are changed back to
values the older code knows, the same downgrade goes through, and the upgrade to head again too."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from extensions import db
from migrations.unreadable_rows import UnreadableRows
from models.activity import RunStatus, SyncAction, SyncCursor, SyncRun, SyncTrigger
from models.base import utcnow
from models.catalog import CarrierService
from models.channels import SalesChannel
from models.orders import OrderStatus, SalesOrder, SalesOrderLine
from models.shipments import ExportStatus, Shipment, ShipmentLine
from models.tenancy import Account
from tests.support.migration_databases import (
    current_revision,
    empty_database_app,
    head_revision,
    is_postgresql,
)

HEAD = head_revision()

# (migration, the revision below it, {(table, column): (new value, a value the older code reads)})
CASES = [
    ("0ba3fd07477e", "afbc9f08c695", {("sales_order", "status"): ("not_for_fulfilment", "shipped")}),
    (
        "0faaf217f164",
        "0ba3fd07477e",
        {
            ("sync_run", "action"): ("export_shipments", "import_orders"),
            ("sales_order", "status"): ("partially_shipped", "shipped"),
        },
    ),
    ("087d243c8c34", "0faaf217f164", {("sync_run", "action"): ("export_inventory", "import_orders")}),
    ("ce29f2b99436", "087d243c8c34", {("sync_run", "action"): ("purge_pii", "import_orders")}),
    (
        "f5129a9b85c3",
        "72a662faf992",
        {
            ("sync_run", "action"): ("import_pushed", "import_orders"),
            ("sync_run", "trigger"): ("push", "manual"),
        },
    ),
    ("ff5446e65021", "f5129a9b85c3", {("sync_run", "action"): ("import_products", "import_orders")}),
    ("a7c3e1f09b21", "a3e4d1759c13", {("shipment", "export_problem"): ("order_cancelled", None)}),
    ("c91e5d3a7f42", "b4d2f8a61c07", {("shipment", "export_status"): ("voided", "sent")}),
    ("f10722a573b6", "5b2a738ef335", {("sync_run", "trigger"): ("catch_up", "manual")}),
]
# Watermarks of actions the older code has no runs of: dropped by the downgrade (safely, said in the script).
DROPPED_CURSORS = {"087d243c8c34": SyncAction.EXPORT_INVENTORY, "ff5446e65021": SyncAction.IMPORT_PRODUCTS}


@pytest.fixture
def head_app(tmp_path, redis_url):
    with empty_database_app(tmp_path, redis_url) as app:
        upgrade()
        from cli.demo_seed import seed

        seed()
        add_rows()
        db.session.commit()
        yield app


def add_rows() -> None:
    """One channel with one shipped order, its shipment (sent) and one finished import run, made at head."""
    account = db.session.scalars(db.select(Account).order_by(Account.id)).first()
    channel = SalesChannel(account=account, name="Old", shop_domain="old.mybrightsites.com", timezone="UTC")
    db.session.add(channel)
    db.session.flush()
    order = SalesOrder(
        account_id=account.id, channel_id=channel.id, external_id=900_001, number="BS-1",
        status=OrderStatus.SHIPPED, store_status="shipped", item_total=10, shipping_total=0, tax_total=0,
        grand_total=10, store_created_at=utcnow(), store_updated_at=utcnow(),
    )  # fmt: skip
    line = SalesOrderLine(external_line_id=1, sku="SKU-1", quantity=1, shipped_quantity=1, unit_price=10,
                          total_price=10)  # fmt: skip
    order.lines = [line]
    db.session.add(order)
    db.session.flush()
    service = db.session.scalars(db.select(CarrierService).order_by(CarrierService.id)).first()
    shipment = Shipment(
        account_id=account.id, order_id=order.id, channel_id=channel.id, carrier_service_id=service.id,
        tracking_number="1Z1", ship_date=date(2026, 12, 1), export_status=ExportStatus.SENT,
    )  # fmt: skip
    shipment.lines = [ShipmentLine(order_line_id=line.id, quantity=1)]
    db.session.add(shipment)
    db.session.add(
        SyncRun(
            account_id=account.id, channel_id=channel.id, action=SyncAction.IMPORT_ORDERS,
            trigger=SyncTrigger.MANUAL, status=RunStatus.SUCCEEDED,
        )
    )  # fmt: skip
    for action in (SyncAction.IMPORT_ORDERS, *DROPPED_CURSORS.values()):
        db.session.add(SyncCursor(channel_id=channel.id, action=action, value=utcnow()))


def set_values(values: dict[tuple[str, str], str | None]) -> None:
    for (table, column), value in values.items():
        db.session.execute(text(f'UPDATE "{table}" SET "{column}" = :value'), {"value": value})  # noqa: S608
    db.session.commit()


def count(table: str, column: str, value: str) -> int:
    query = text(f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = :value')  # noqa: S608
    return db.session.execute(query, {"value": value}).scalar_one()


@pytest.mark.parametrize(("revision", "down_to", "values"), CASES, ids=[case[0] for case in CASES])
def test_downgrade_refuses_rows_of_a_value_the_older_code_cannot_read(head_app, revision, down_to, values):
    set_values({key: new for key, (new, _old) in values.items()})

    # Alembic's command itself (`flask db downgrade` prints the same message as "Error: ..." and exits 1).
    with pytest.raises(UnreadableRows) as refused:
        command.downgrade(current_app.extensions["migrate"].migrate.get_config(), down_to)
    db.session.remove()
    message = str(refused.value)
    assert f"Downgrade from {revision} to {down_to} refused" in message
    for (table, column), (new, _old) in values.items():
        assert f"{table}.{column} = '{new}' in 1 row(s)" in message
        assert count(table, column, new) == 1  # kept
    # PostgreSQL rolls the whole downgrade back; SQLite keeps the steps above the refused one (each step's
    # DDL commits), and alembic_version says so: the refused step itself changed nothing.
    assert current_revision() == (HEAD if is_postgresql() else revision)
    assert not [t for t in db.inspect(db.engine).get_table_names() if t.startswith("_alembic_tmp")]

    set_values({key: old for key, (_new, old) in values.items()})
    downgrade(revision=down_to)
    db.session.remove()
    assert current_revision() == down_to
    if revision in DROPPED_CURSORS:
        assert count("sync_cursor", "action", DROPPED_CURSORS[revision].value) == 0
    assert count("sync_cursor", "action", "import_orders") == 1
    assert count("sales_order", "external_id", "900001") == 1

    db.session.remove()  # PostgreSQL: a read left open would hold locks the migration's ALTERs wait for
    upgrade()
    db.session.remove()
    assert current_revision() == HEAD
    assert db.session.scalar(db.select(db.func.count(SalesOrder.id))) == 1
