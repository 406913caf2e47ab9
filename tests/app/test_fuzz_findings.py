"""What the fuzzers (tests/fuzz/) found, each kept as a plain regression test."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models.catalog import Product
from models.tenancy import Role
from tests.support.world import ROLE_EMAILS

NO_FLOAT_HOLDS_IT = (
    "9" * 400
)  # an int above ~1.8e308: WTForms' NaN test turned it into a float and overflowed


@pytest.fixture
def owner(client, world, login):
    return login(ROLE_EMAILS[Role.ORG_OWNER])


def test_a_number_no_float_holds_is_a_range_error_not_a_crash(owner, world):
    products = db.session.scalar(select(func.count(Product.id)))
    response = owner.post(
        "/products/new",
        data={
            "name": "Huge",
            "sku": "HUGE-1",
            "title": "One",
            "weight_g": "1",
            "width_mm": NO_FLOAT_HOLDS_IT,
        },
    )
    assert response.status_code == 422
    assert b"Enter a number from 0 to" in response.data
    assert db.session.scalar(select(func.count(Product.id))) == products


def test_a_stock_figure_no_float_holds_is_refused(owner, world):
    response = owner.post(
        f"/products/variants/{world.a.variant.id}/stock",
        data={"warehouse_id": world.a.warehouse.id, "on_hand": NO_FLOAT_HOLDS_IT, "reason": "count"},
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "field", ["import_lag_minutes", "detail_concurrency", "inventory_buffer", "inventory_max"]
)
def test_a_channel_setting_no_float_holds_is_refused(owner, world, field):
    response = owner.post(f"/channels/{world.a.channel.id}/advanced", data={field: NO_FLOAT_HOLDS_IT})
    assert response.status_code == 422


def test_a_negative_number_no_float_holds_is_refused(owner, world):
    response = owner.post(
        f"/channels/{world.a.channel.id}/privacy", data={"pii_retention_days": "-" + "9" * 400}
    )
    assert response.status_code == 422
