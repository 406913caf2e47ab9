"""A populated database goes down several revisions and up again without losing a row (issue 27, items 3 and
12), on the suite's engine (SQLite, or PostgreSQL with DATABASE_URL). On SQLite, batch mode rebuilds tables
(copy, drop, rename) and with foreign keys on, the drop of a referenced table failed ("FOREIGN KEY constraint
failed") or cascaded, leaving `_alembic_tmp_*` behind; migrations/env.py turns foreign keys off for the
migration and checks them after. On PostgreSQL the same steps are plain ALTERs in one transaction. A database
of its own (tests/support/migration_databases.py), seeded with the demo and a few orders with lines and
addresses."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from extensions import db
from models.channels import SalesChannel
from models.orders import OrderAddress, OrderStatus, SalesOrder, SalesOrderLine
from models.tenancy import Account
from tests.support.migration_databases import current_revision, empty_database_app, is_postgresql

PREVIOUS_RELEASE = "96c999d9e26d"  # the 2026-11-30 release: head is 7 revisions above it


def row_counts() -> dict[str, int]:
    tables = inspect(db.engine).get_table_names()
    return {t: db.session.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in tables}  # noqa: S608


def add_orders(count: int = 5) -> None:
    account = db.session.scalars(db.select(Account)).first()
    channel = SalesChannel(
        account=account, name="Upgrade", shop_domain="upgrade.mybrightsites.com", timezone="UTC"
    )
    db.session.add(channel)
    db.session.flush()
    for n in range(count):
        order = SalesOrder(
            account_id=channel.account_id, channel_id=channel.id, external_id=700_000 + n, number=f"BS-{n}",
            status=OrderStatus.SHIPPED, store_status="paid", item_total=10, shipping_total=0, tax_total=0,
            grand_total=10, customer_name="Jane Doe", customer_email="jane@example.com",
            store_created_at=db.func.now(), store_updated_at=db.func.now(),
        )  # fmt: skip
        order.lines = [
            SalesOrderLine(external_line_id=n * 10 + 1, sku="SKU-1", quantity=2, unit_price=5, total_price=10)
        ]
        order.addresses = [OrderAddress(kind="shipping", first_name="Jane", city="Austin")]
        db.session.add(order)


@pytest.fixture
def seeded_app(tmp_path, redis_url):
    with empty_database_app(tmp_path, redis_url) as app:
        upgrade()
        from cli.demo_seed import seed

        seed()
        add_orders()
        db.session.commit()
        yield app


def test_several_revisions_down_and_up_again_keep_every_row_and_leave_no_temporary_table(seeded_app):
    before = row_counts()
    assert before["sales_channel"] > 0 and before["sales_order"] > 0

    db.session.remove()  # PostgreSQL: a read left open would hold locks the migration's ALTERs wait for
    downgrade(revision=PREVIOUS_RELEASE)
    db.session.remove()
    assert current_revision() == PREVIOUS_RELEASE
    down = row_counts()
    assert not [t for t in down if t.startswith("_alembic_tmp")], down
    assert {t: n for t, n in down.items() if t != "alembic_version" and n != before.get(t)} == {}
    if not is_postgresql():
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []

    db.session.remove()  # PostgreSQL: a read left open would hold locks the migration's ALTERs wait for
    upgrade()
    db.session.remove()
    again = row_counts()
    kept = {
        t: (before[t], again.get(t)) for t in down if t != "alembic_version" and again.get(t) != before[t]
    }
    assert kept == {}
    if not is_postgresql():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
