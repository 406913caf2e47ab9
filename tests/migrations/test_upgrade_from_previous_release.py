"""An installation of the previous release (revision 96c999d9e26d, 2026-11-30), populated with plain SQL in
that schema (the models describe the newest schema, so they are not used to write), upgraded to head: every
row of every table is kept with its values, and each migration's promise for existing rows holds (issue 27,
items 2 and 13). On the suite's engine (SQLite, or PostgreSQL with DATABASE_URL), in a database of its own.

What the migrations since then promise for existing rows:
  * a3e4d1759c13: channels sell nothing below a threshold (inventory_sold_out_at 0), every warehouse
    mapping sells (sells_from true) and none is primary (is_primary false); no stock figure is rewritten;
  * a7c3e1f09b21: every existing shipment is techOMS's (origin "techoms", no store shipping method);
  * b4d2f8a61c07: no order is held (held_at NULL, hold_reason "");
  * d3f6a2b8e519: failed orders keep no document (read again as before);
  * ee15b0637c84: failed orders wait for no pause (next_retry_at NULL: the next import retries them);
  * 6785e5771ca6, c91e5d3a7f42, 5b2a738ef335: new tables only (empty after the upgrade)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from extensions import db
from models.activity import SyncRun
from models.channels import SalesChannel
from models.orders import SalesOrder
from models.shipments import Shipment
from tests.support.migration_databases import (
    current_revision,
    empty_database_app,
    head_revision,
    is_postgresql,
)

PREVIOUS_RELEASE = "96c999d9e26d"
HEAD = head_revision()
NEW_TABLES = {
    "invitation",
    "store_order_hold",
    "store_write",
    "outbox_event",
    "webhook_endpoint",
    "webhook_delivery",
    "outbox_purge_mark",
}


def at(instant: str) -> str:
    """A UTC instant as the previous release stored it: naive on SQLite, with its offset on PostgreSQL."""
    return f"{instant}+00:00" if is_postgresql() else instant


def insert(table: str, **values: Any) -> int:
    columns = ", ".join(f'"{name}"' for name in values)
    params = ", ".join(f":{name}" for name in values)
    query = text(f'INSERT INTO "{table}" ({columns}) VALUES ({params}) RETURNING id')  # noqa: S608
    return db.session.execute(query, values).scalar_one()


def one(query: str, **params: Any) -> Any:
    return db.session.execute(text(query), params).one()


def populate() -> dict[str, int]:
    """An organization with a channel in use: catalog, mappings, three imported orders (one waiting with stock
    allocated, one shipped and exported, one cancelled), runs with their events, a watermark and a failed
    order, written as the previous release wrote them."""
    created = at("2026-11-20 09:00:00")
    ids: dict[str, int] = {}
    ids["org"] = insert("organization", name="Acme", created_at=created)
    ids["account"] = insert(
        "account", organization_id=ids["org"], name="Acme US", code="US", timezone="America/Chicago",
        active=True, created_at=created,
    )  # fmt: skip
    ids["user"] = insert(
        "user", email="owner@acme.test", name="Olive Owner", password_hash="scrypt:placeholder", active=True,
        created_at=created,
    )  # fmt: skip
    insert("membership", user_id=ids["user"], organization_id=ids["org"], role="org_owner", active=True,
           created_at=created)  # fmt: skip
    ids["warehouse"] = insert(
        "warehouse", organization_id=ids["org"], code="MAIN", name="Main", created_at=created
    )
    product = insert("product", account_id=ids["account"], name="T-shirt", created_at=created)
    ids["variant"] = insert(
        "product_variant", product_id=product, account_id=ids["account"], sku="TS-M", sku_key="ts-m",
        title="T-shirt M",
    )  # fmt: skip
    ids["level"] = insert(
        "inventory_level", variant_id=ids["variant"], warehouse_id=ids["warehouse"], on_hand=40, allocated=3,
        updated_at=created,
    )  # fmt: skip
    carrier = insert("carrier", code="UPS", name="UPS")
    ids["service"] = insert("carrier_service", carrier_id=carrier, code="GND", name="Ground")
    ids["channel"] = insert(
        "sales_channel", account_id=ids["account"], channel_type="brightsites", name="Acme store",
        shop_domain="acme.mybrightsites.com", token_ciphertext="ciphertext-of-the-previous-release",
        token_last4="9f3a", status="active", created_at=created, updated_at=created,
        order_statuses='["paid", "approved"]', import_lag_minutes=5, order_number_prefix="BS-",
        initial_order_status="approved", detail_concurrency=4, shipment_store_status="shipped",
        send_shipping_confirmation=True, update_order_with_last_shipment=True, inventory_mode="absolute",
        inventory_buffer=2, timezone="America/Chicago", weight_unit="lb", dimension_unit="in",
    )  # fmt: skip
    ids["warehouse_mapping"] = insert(
        "warehouse_mapping", channel_id=ids["channel"], warehouse_id=ids["warehouse"],
        external_identifier="1", created_at=created, updated_at=created,
    )  # fmt: skip
    insert(
        "carrier_mapping", channel_id=ids["channel"], carrier_channel_code="UPS Ground",
        carrier_channel_key="ups", service_channel_key="ground", carrier_service_id=ids["service"],
        is_primary=True, created_at=created,
    )  # fmt: skip
    insert("sku_mapping", channel_id=ids["channel"], channel_sku="SHIRT-M", channel_sku_key="shirt-m",
           variant_id=ids["variant"], created_at=created)  # fmt: skip

    for number, status, store_status, quantity, shipped in (
        ("1001", "approved", "paid", 3, 0),
        ("1002", "shipped", "shipped", 2, 2),
        ("1003", "cancelled", "canceled", 1, 0),
    ):
        order = insert(
            "sales_order", account_id=ids["account"], channel_id=ids["channel"],
            external_id=5_000_000 + int(number), number=f"BS-{number}", status=status,
            store_status=store_status,
            store_created_at=at("2026-11-25 15:30:00"), store_updated_at=at("2026-11-26 08:00:00"),
            item_total=str(Decimal("19.99") * quantity), shipping_total="5.00", tax_total="1.23",
            grand_total=str(Decimal("19.99") * quantity + Decimal("6.23")), shipping_method="UPS Ground",
            customer_name="Jane Doe", customer_email="jane@example.com", imported_at=created,
            updated_at=created,
        )  # fmt: skip
        line = insert(
            "sales_order_line", order_id=order, external_line_id=int(number) * 10, sku="SHIRT-M",
            name="T-shirt M", quantity=quantity, shipped_quantity=shipped,
            allocated_quantity=quantity if status == "approved" else 0, variant_id=ids["variant"],
            unit_price="19.99", total_price=str(Decimal("19.99") * quantity), is_physical=True,
        )  # fmt: skip
        insert(
            "order_address", order_id=order, kind="shipping", first_name="Jane", last_name="Doe", company="",
            line1="1 Main St", line2="", city="Austin", postal_code="78701", subdivision="TX", country="US",
            email="jane@example.com", phone="555-0100",
        )  # fmt: skip
        ids[f"order_{status}"], ids[f"line_{status}"] = order, line
    ids["shipment"] = insert(
        "shipment", account_id=ids["account"], order_id=ids["order_shipped"], channel_id=ids["channel"],
        warehouse_id=ids["warehouse"], carrier_service_id=ids["service"],
        tracking_number="1Z999AA10123456784",
        ship_date="2026-11-27", created_at=at("2026-11-27 10:00:00"), export_status="sent",
        store_shipment_id=77, sent_at=at("2026-11-27 10:01:00"), export_error="", export_attempts=1,
    )  # fmt: skip
    insert("shipment_line", shipment_id=ids["shipment"], order_line_id=ids["line_shipped"], quantity=2)

    for action, trigger in (("import_orders", "scheduled"), ("export_shipments", "manual")):
        run = insert(
            "sync_run", account_id=ids["account"], channel_id=ids["channel"], action=action, trigger=trigger,
            status="succeeded", params="{}", created_at=at("2026-11-27 10:00:00"), attempts=1,
            progress_done=3, counts='{"created": 3}', api_calls=4, error_summary="",
        )  # fmt: skip
        insert("sync_event", run_id=run, channel_id=ids["channel"], level="info", message=f"{action} done",
               created_at=at("2026-11-27 10:00:05"))  # fmt: skip
    insert("sync_cursor", channel_id=ids["channel"], action="import_orders", value=at("2026-11-27 09:55:00"),
           updated_at=at("2026-11-27 10:00:05"))  # fmt: skip
    ids["pending"] = insert(
        "pending_order", channel_id=ids["channel"], external_id=5_001_004, number="BS-1004",
        reason="SKU NOPE-1 is not mapped", cause="missing_sku", attempts=2,
        first_failed_at=at("2026-11-26 08:00:00"), last_failed_at=at("2026-11-27 10:00:00"),
    )  # fmt: skip
    db.session.commit()
    return ids


def row_counts() -> dict[str, int]:
    tables = inspect(db.engine).get_table_names()
    return {t: db.session.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in tables}  # noqa: S608


@pytest.fixture
def previous_release(tmp_path, redis_url):
    with empty_database_app(tmp_path, redis_url) as app:
        upgrade(revision=PREVIOUS_RELEASE)
        db.session.remove()
        yield app


def test_an_installation_of_the_previous_release_upgrades_to_head_keeping_every_row(previous_release):
    ids = populate()
    before = row_counts()
    assert before["sales_order"] == 3 and before["shipment"] == 1

    db.session.remove()  # PostgreSQL: a read left open would hold locks the migration's ALTERs wait for
    upgrade()
    db.session.remove()

    assert current_revision() == HEAD
    after = row_counts()
    assert {
        t: (n, after.get(t)) for t, n in before.items() if t != "alembic_version" and after.get(t) != n
    } == {}
    assert {t: after[t] for t in NEW_TABLES} == dict.fromkeys(NEW_TABLES, 0)

    # Values kept as they were written.
    order = one("SELECT number, status, grand_total, customer_email FROM sales_order WHERE id = :id",
                id=ids["order_approved"])  # fmt: skip
    # SQLite keeps NUMERIC as a number, PostgreSQL as a decimal: compared as decimals.
    assert (*order[:2], Decimal(str(order[2])), order[3]) == (
        "BS-1001",
        "approved",
        Decimal("66.20"),
        "jane@example.com",
    )
    line = one("SELECT quantity, shipped_quantity, allocated_quantity, unit_price FROM sales_order_line "
               "WHERE id = :id", id=ids["line_approved"])  # fmt: skip
    assert (*line[:3], Decimal(str(line[3]))) == (3, 0, 3, Decimal("19.99"))
    level = one("SELECT on_hand, allocated FROM inventory_level WHERE id = :id", id=ids["level"])
    assert tuple(level) == (40, 3)  # no stock figure rewritten by these migrations
    channel = one("SELECT import_lag_minutes, order_number_prefix, inventory_buffer, timezone, token_last4 "
                  "FROM sales_channel WHERE id = :id", id=ids["channel"])  # fmt: skip
    assert tuple(channel) == (5, "BS-", 2, "America/Chicago", "9f3a")
    assert one("SELECT COUNT(*) FROM sync_cursor WHERE action = 'import_orders'")[0] == 1

    # What each migration promises for the rows it found.
    assert one("SELECT inventory_sold_out_at FROM sales_channel WHERE id = :id", id=ids["channel"])[0] == 0
    mapping = one(
        "SELECT sells_from, is_primary FROM warehouse_mapping WHERE id = :id", id=ids["warehouse_mapping"]
    )
    assert (bool(mapping[0]), bool(mapping[1])) == (True, False)
    shipment = one("SELECT origin, store_shipping_method, carrier_service_id, tracking_number, export_status "
                   "FROM shipment WHERE id = :id", id=ids["shipment"])  # fmt: skip
    assert tuple(shipment) == ("techoms", None, ids["service"], "1Z999AA10123456784", "sent")
    holds = db.session.execute(text("SELECT held_at, hold_reason FROM sales_order")).all()
    assert [tuple(row) for row in holds] == [(None, "")] * 3
    pending = one("SELECT document, document_updated_at, cause, attempts, next_retry_at FROM pending_order "
                  "WHERE id = :id", id=ids["pending"])  # fmt: skip
    assert tuple(pending) == (None, None, "missing_sku", 2, None)

    # The new code reads every row the previous release wrote (no value it does not know).
    assert len(db.session.scalars(db.select(SalesOrder)).all()) == 3
    assert {run.action.value for run in db.session.scalars(db.select(SyncRun))} == {
        "import_orders",
        "export_shipments",
    }
    assert db.session.scalars(db.select(Shipment)).one().origin.value == "techoms"
    assert db.session.scalars(db.select(SalesChannel)).one().shipment_store_status.value == "shipped"
