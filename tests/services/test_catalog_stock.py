"""Receiving stock updates: set on hand of a variant in an enabled warehouse, with its history (allocated
follows the open orders and is not typed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from extensions import db
from models.catalog import InventoryLevel, StockAdjustment, Warehouse
from models.tenancy import Role
from tests.support.world import ROLE_EMAILS

SUPERVISOR = ROLE_EMAILS[Role.ORG_SUPERVISOR]


def stock_url(variant) -> str:
    return f"/products/variants/{variant.id}/stock"


def adjustments() -> list[StockAdjustment]:
    return list(db.session.scalars(select(StockAdjustment).order_by(StockAdjustment.id)))


def level(variant, warehouse) -> InventoryLevel | None:
    db.session.expire_all()
    return db.session.scalar(
        select(InventoryLevel).where(
            InventoryLevel.variant_id == variant.id, InventoryLevel.warehouse_id == warehouse.id
        )
    )


def test_the_form_starts_from_the_current_figures(client, world, login):
    login(SUPERVISOR)
    page = client.get(stock_url(world.a.variant))
    assert page.status_code == 200
    assert b'name="on_hand" type="number" value="10"' in page.data
    assert b'name="allocated"' not in page.data  # what open orders hold is not typed by hand
    assert b"No adjustment recorded yet." in page.data


def test_adjusting_stores_the_figures_and_who_changed_them(client, world, login):
    login(SUPERVISOR)
    data = {"warehouse_id": world.a.warehouse.id, "on_hand": "25", "reason": " cycle count "}
    response = client.post(stock_url(world.a.variant), data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/products/{world.a.product.id}")
    current = level(world.a.variant, world.a.warehouse)
    assert (current.on_hand, current.allocated, current.available) == (25, 2, 23)
    [adjustment] = adjustments()
    assert adjustment.user_id == world.a.users[Role.ORG_SUPERVISOR].id
    assert (adjustment.on_hand_before, adjustment.on_hand_after) == (10, 25)
    assert (adjustment.allocated_before, adjustment.allocated_after) == (2, 2)
    assert adjustment.reason == "cycle count" and adjustment.inventory_level_id == current.id
    assert b"Stock updated" in client.get(response.headers["Location"]).data
    history = client.get(stock_url(world.a.variant)).get_data(as_text=True)
    assert (
        "10 → 25" in history and "2 → 2" in history and "cycle count" in history and "Supervisor" in history
    )


def test_a_missing_level_is_created_from_zero(client, world, login):
    second = Warehouse(organization=world.a.organization, code="WEST", name="West")
    second.accounts.append(world.a.account)
    db.session.add(second)
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page = client.get(stock_url(world.a.variant), query_string={"warehouse_id": second.id})
    assert b'name="on_hand" type="number" value="0"' in page.data
    data = {"warehouse_id": second.id, "on_hand": "7"}
    assert client.post(stock_url(world.a.variant), data=data).status_code == 303
    created = level(world.a.variant, second)
    assert (created.on_hand, created.allocated) == (7, 0)
    [adjustment] = adjustments()
    assert (adjustment.on_hand_before, adjustment.allocated_before) == (0, 0)
    assert level(world.a.variant, world.a.warehouse).on_hand == 10  # the other warehouse is untouched


def test_the_form_never_changes_allocated_and_on_hand_may_fall_below_it(client, world, login):
    """Allocated is what open orders hold: a posted figure is ignored, and stock short of the orders (a back
    order) is a fact to record, not an error."""
    login(SUPERVISOR)
    data = {"warehouse_id": world.a.warehouse.id, "on_hand": "1", "allocated": "0"}
    assert client.post(stock_url(world.a.variant), data=data).status_code == 303
    current = level(world.a.variant, world.a.warehouse)
    assert (current.on_hand, current.allocated, current.available) == (1, 2, 0)


def test_the_service_refuses_impossible_figures_too(world):
    from services.catalog import adjust_stock

    with pytest.raises(ValueError):
        adjust_stock(world.a.level, on_hand=-1, user=None)


@pytest.mark.parametrize("which", ["not_enabled", "other_org", "unknown", "not_a_number", "blank"])
def test_only_warehouses_enabled_for_the_account_are_accepted(client, world, login, which):
    not_enabled = Warehouse(organization=world.a.organization, code="SPARE", name="Spare")
    db.session.add(not_enabled)
    db.session.commit()
    warehouse_id = {
        "not_enabled": not_enabled.id,
        "other_org": world.b.warehouse.id,
        "unknown": 987654,
        "not_a_number": "abc",
        "blank": "",
    }[which]
    login(SUPERVISOR)
    data = {"warehouse_id": warehouse_id, "on_hand": "1"}
    response = client.post(stock_url(world.a.variant), data=data)
    assert response.status_code == 422
    message = b"Choose a warehouse." if which == "blank" else b"Choose a warehouse enabled for this account."
    assert message in response.data
    assert adjustments() == []
    assert db.session.scalar(select(func.count(InventoryLevel.id))) == 2  # the world's levels only


def test_variant_of_another_account_is_not_found(client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    data = {"warehouse_id": world.b.warehouse.id, "on_hand": "0"}
    assert client.get(stock_url(world.b.variant)).status_code == 404
    assert client.post(stock_url(world.b.variant), data=data).status_code == 404
    assert client.get("/products/variants/99999999999999999999/stock").status_code == 404
    assert level(world.b.variant, world.b.warehouse).on_hand == 10


def test_account_users_may_not_adjust(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    data = {"warehouse_id": world.a.warehouse.id, "on_hand": "0"}
    assert client.post(stock_url(world.a.variant), data=data).status_code == 403
    assert client.get(stock_url(world.a.variant)).status_code == 403
    assert level(world.a.variant, world.a.warehouse).on_hand == 10 and adjustments() == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"on_hand": "abc"}, b"Enter a whole number."),
        ({"on_hand": "1e3"}, b"Enter a whole number."),
        ({"on_hand": ""}, b"Enter a number."),
        ({"on_hand": "-1"}, b"Enter a number from 0 to 10,000,000."),
        ({"on_hand": "10000001"}, b"Enter a number from 0 to 10,000,000."),
        ({"on_hand": "9" * 40}, b"Enter a number from 0 to 10,000,000."),
        ({"on_hand": "<script>"}, b"Enter a whole number."),
        ({"reason": "r" * 201}, b"Field cannot be longer than 200 characters."),
        ({"reason": "bad\x00byte"}, b"Remove control characters"),
    ],
)
def test_hostile_or_wrong_figures_get_a_message_not_a_500(client, world, login, fields, message):
    login(SUPERVISOR)
    data = {"warehouse_id": world.a.warehouse.id, "on_hand": "5", "reason": ""} | fields
    response = client.post(stock_url(world.a.variant), data=data)
    assert response.status_code == 422
    assert message in response.data
    assert adjustments() == []


def test_htmx_gets_the_form_block_with_its_errors(client, world, login):
    login(SUPERVISOR)
    data = {"warehouse_id": world.a.warehouse.id, "on_hand": "-1"}
    response = client.post(stock_url(world.a.variant), data=data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert b"<html" not in response.data and b'id="stock-form"' in response.data
    assert b"Enter a number from 0 to 10,000,000." in response.data
    ok = client.post(stock_url(world.a.variant), data=data | {"on_hand": "1"}, headers={"HX-Request": "true"})
    assert ok.status_code == 204 and ok.headers["HX-Redirect"].endswith(f"/products/{world.a.product.id}")


def test_history_shows_the_last_twenty_in_the_account_timezone(client, world, login):
    supervisor = world.a.users[Role.ORG_SUPERVISOR]
    for n in range(25):
        db.session.add(
            StockAdjustment(
                inventory_level=world.a.level,
                user=supervisor,
                on_hand_before=n,
                on_hand_after=n + 1,
                allocated_before=0,
                allocated_after=0,
                reason=f"count #{n:02d}",
                created_at=datetime(2026, 1, 15, 18, n, tzinfo=UTC),
            )
        )
    db.session.commit()
    login(SUPERVISOR)
    page = client.get(stock_url(world.a.variant)).get_data(as_text=True)
    assert page.count("count #") == 20
    assert "count #24" in page and "count #05" in page and "count #04" not in page
    assert "2026-01-15 12:24" in page  # 18:24 UTC is 12:24 in America/Chicago (account A1)
    assert page.index("count #24") < page.index("count #23")  # newest first


def test_a_level_created_meanwhile_becomes_a_form_message(client, world, login, monkeypatch):
    """Two people record the first stock of a variant at once: the second one is asked to check and retry."""

    def racing_level_for(variant, warehouse):
        duplicate = InventoryLevel(variant=variant, warehouse=warehouse, on_hand=0, allocated=0)
        db.session.add(duplicate)
        return duplicate

    monkeypatch.setattr("services.catalog.level_for", racing_level_for)
    login(SUPERVISOR)
    data = {"warehouse_id": world.a.warehouse.id, "on_hand": "4"}
    response = client.post(stock_url(world.a.variant), data=data)
    assert response.status_code == 422
    assert b"The stock changed while you were editing it." in response.data
    assert level(world.a.variant, world.a.warehouse).on_hand == 10 and adjustments() == []
