"""Natural order keys: "SKU-2" before "SKU-10", ignoring case, in Python and in the database's own order."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import select

from extensions import db
from models.catalog import Product, ProductVariant
from models.natural_order import SORT_KEY_LENGTH, natural_sort_key

MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "3ad25e2f73fe_natural_sort_keys.py"
SAMPLES = [
    "SKU-10", "sku-2", "SKU-1", "SKU-02", "SKU-100", "Sku-9a", "SKU-9", "sku-9-1", "SKU", "SKU-",
    "Tee 10", "tee 2", "  Tee   3 ", "Äpfel 1", "äpfel 01", "zebra", "Zebra 0", "0", "00", "007", "7",
    "A1B2", "a1b10", "a01b3", "x" * 400, "9" * 150, "ß-1", "SS-2", "٣ arabic digit", "",
]  # fmt: skip


def naturally_sorted(texts: list[str]) -> list[str]:
    return sorted(texts, key=natural_sort_key)


def test_numbers_compare_by_value_and_letters_ignore_case():
    assert naturally_sorted(["SKU-10", "sku-2", "SKU-1", "SKU-100"]) == [
        "SKU-1",
        "sku-2",
        "SKU-10",
        "SKU-100",
    ]
    assert naturally_sorted(["Tee 10", "tee 2", "TEE 1"]) == ["TEE 1", "tee 2", "Tee 10"]
    assert naturally_sorted(["a1b10", "A1B2", "a2"]) == ["A1B2", "a1b10", "a2"]
    assert naturally_sorted(["SKU-9a", "SKU-10", "SKU-9"]) == ["SKU-9", "SKU-9a", "SKU-10"]


def test_leading_zeros_spaces_and_case_do_not_change_the_key():
    assert natural_sort_key("SKU-02") == natural_sort_key("sku-2")
    assert natural_sort_key("  Tee   3 ") == natural_sort_key("tee 3")
    assert natural_sort_key("00") == natural_sort_key("0")


def test_the_key_fits_its_column_whatever_the_text():
    assert max(len(natural_sort_key(text)) for text in SAMPLES) <= SORT_KEY_LENGTH
    assert len(natural_sort_key("1a" * 100)) == 400  # a 200-character name of one-digit runs is never cut


def test_the_migrations_frozen_copy_gives_the_same_keys():
    """The backfill used its own copy: keys written before and after the migration must agree."""
    spec = importlib.util.spec_from_file_location("natural_sort_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    texts = SAMPLES + [f"SKU-{n}" for n in range(0, 1200, 7)] + [f"{n} tee {n * 3}" for n in range(50)]
    assert [migration._natural_sort_key(text) for text in texts] == [natural_sort_key(text) for text in texts]


def test_the_database_orders_the_keys_as_python_does(world):
    """Byte order on both backends (PostgreSQL's column collation is "C" whatever the locale)."""
    product = Product(account=world.a.account, name="Order check")
    names = [text for text in SAMPLES if text.strip()]
    for number, text in enumerate(names):
        variant = ProductVariant(account=world.a.account, title="")
        variant.set_sku(f"{text[:80]}#{number}")
        product.variants.append(variant)
    db.session.add(product)
    db.session.commit()
    stored = db.session.scalars(
        select(ProductVariant.sku)
        .where(ProductVariant.product_id == product.id)
        .order_by(ProductVariant.sku_sort_key, ProductVariant.id)
    ).all()
    assert stored == naturally_sorted(stored)


def test_every_assignment_of_a_name_or_sku_keeps_its_key(world):
    product = world.a.product
    product.name = "Tee 10"
    world.a.variant.set_sku("TEE-M-10")
    db.session.commit()
    db.session.expire_all()
    assert product.name_sort_key == natural_sort_key("Tee 10")
    assert world.a.variant.sku_sort_key == natural_sort_key("TEE-M-10")
