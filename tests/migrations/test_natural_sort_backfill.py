"""Migration 3ad25e2f73fe fills the natural sort keys of rows that existed before it (products, variants, SKU
mappings), with the keys the application writes for new rows. A database of its own (its own schema on
PostgreSQL), seeded with the demo."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from extensions import db
from models.catalog import Product, ProductVariant, sku_key
from models.channels import SalesChannel
from models.mappings import SkuMapping
from models.natural_order import natural_sort_key
from models.tenancy import Account
from tests.support.migration_databases import empty_database_app

BEFORE = "5b2a738ef335"


@pytest.fixture
def app_at_head(tmp_path, redis_url):
    with empty_database_app(tmp_path, redis_url) as app:
        upgrade()
        yield app


def add_rows() -> None:
    account = db.session.scalars(select(Account)).first()
    product = Product(account=account, name="Tee 10")
    for sku in ("TEE-10", "tee-2", "TEE-1"):
        variant = ProductVariant(account=account, title="")
        variant.set_sku(sku)
        product.variants.append(variant)
    channel = SalesChannel(account=account, name="Old", shop_domain="old.mybrightsites.com", timezone="UTC")
    db.session.add_all([product, channel, Product(account=account, name="tee 2")])
    db.session.flush()
    for number, variant in enumerate(product.variants):
        channel_sku = f"Store-{10 - number}"
        db.session.add(
            SkuMapping(
                channel_id=channel.id,
                channel_sku=channel_sku,
                channel_sku_key=sku_key(channel_sku),
                variant=variant,
            )
        )
    db.session.commit()


def keys(table: str, text_column: str, key_column: str) -> dict[str, str]:
    rows = db.session.execute(text(f"SELECT {text_column}, {key_column} FROM {table}"))  # noqa: S608
    return dict(rows.all())


def test_rows_made_before_the_migration_get_the_keys_new_rows_get(app_at_head):
    from cli.demo_seed import seed

    seed()
    add_rows()
    downgrade(revision=BEFORE)
    db.session.remove()
    assert "name_sort_key" not in {c["name"] for c in inspect(db.engine).get_columns("product")}

    upgrade()
    db.session.remove()
    for table, text_column, key_column in (
        ("product", "name", "name_sort_key"),
        ("product_variant", "sku", "sku_sort_key"),
        ("sku_mapping", "channel_sku", "channel_sku_sort_key"),
    ):
        filled = keys(table, text_column, key_column)
        assert len(filled) >= 3, table
        assert filled == {value: natural_sort_key(value) for value in filled}, table
    names = db.session.scalars(
        select(Product.name).where(Product.name.ilike("tee %")).order_by(Product.name_sort_key)
    ).all()
    assert names == ["tee 2", "Tee 10"]
