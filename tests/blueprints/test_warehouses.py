"""Warehouses of the organization: list, create (org owners/admins), enable or disable for the account."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from forms.warehouses import WarehouseForm
from models.catalog import Warehouse
from models.tenancy import Role
from services.catalog import is_enabled
from tests.support.world import ROLE_EMAILS

ADMIN = ROLE_EMAILS[Role.ORG_ADMIN]
HTMX = {"HX-Request": "true"}


def warehouse_count() -> int:
    return db.session.scalar(select(func.count(Warehouse.id)))


def enabled(account, warehouse) -> bool:
    db.session.expire_all()
    return is_enabled(account, warehouse)


def test_list_shows_the_organization_warehouses_with_their_state(client, world, login):
    spare = Warehouse(organization=world.a.organization, code="SPARE", name="Spare room")
    db.session.add(spare)
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    page = client.get("/warehouses/").get_data(as_text=True)
    assert "WH-A1" in page and "SPARE" in page and "Spare room" in page
    assert "WH-B1" not in page
    own = page.split(f'data-testid="warehouse-{world.a.warehouse.id}"')[1].split("</tr>")[0]
    other = page.split(f'data-testid="warehouse-{spare.id}"')[1].split("</tr>")[0]
    assert "Enabled" in own and "Not enabled" in other
    assert "New warehouse" not in page and "/toggle" not in page  # read-only for this role


def test_create_a_warehouse(client, world, login):
    login(ADMIN)
    response = client.post("/warehouses/new", data={"code": "  east-1 ", "name": " East DC "})
    assert response.status_code == 303
    warehouse = db.session.scalar(select(Warehouse).where(Warehouse.code == "EAST-1"))
    assert (warehouse.name, warehouse.organization_id) == ("East DC", world.a.organization.id)
    assert not enabled(world.a.account, warehouse)
    assert b"Warehouse EAST-1 created." in client.get(response.headers["Location"]).data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "wh-a1"}, b"Code WH-A1 is already used by warehouse Org A DC in this organization."),
        ({"code": ""}, b"Enter a code."),
        ({"code": "EAST 1"}, b"Use letters A-Z, digits and dashes only."),
        ({"code": "<script>"}, b"Use letters A-Z, digits and dashes only."),
        ({"code": "\u00c9TAGE"}, b"Use letters A-Z, digits and dashes only."),
        ({"code": "C" * 33}, b"Field cannot be longer than 32 characters."),
        ({"name": ""}, b"Enter a name."),
        ({"name": "n" * 121}, b"Field cannot be longer than 120 characters."),
        ({"name": "line\nbreak"}, b"Remove control characters"),
    ],
)
def test_invalid_warehouse_is_refused_with_a_message(client, world, login, data, message):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    before = warehouse_count()
    response = client.post("/warehouses/new", data={"code": "EAST", "name": "East"} | data)
    assert response.status_code == 422
    assert message in response.data
    assert warehouse_count() == before


def test_the_same_code_in_another_organization_is_allowed(client, world, login):
    login("owner@b.test")
    assert client.post("/warehouses/new", data={"code": "WH-A1", "name": "B's copy"}).status_code == 303


def test_concurrent_duplicate_code_becomes_a_form_message(client, world, login, monkeypatch):
    monkeypatch.setattr(WarehouseForm, "validate_code", lambda form, field: None)
    login(ADMIN)
    response = client.post("/warehouses/new", data={"code": "WH-A1", "name": "Racing"})
    assert response.status_code == 422
    assert b"Code WH-A1 is already used in this organization." in response.data
    assert warehouse_count() == 2


def test_htmx_create_swaps_the_panel_or_redirects(client, world, login):
    login(ADMIN)
    invalid = client.post("/warehouses/new", data={"code": "bad code", "name": "X"}, headers=HTMX)
    assert invalid.status_code == 422
    assert b"<html" not in invalid.data and b'id="warehouse-panel"' in invalid.data
    assert b'value="BAD CODE"' in invalid.data  # re-rendered with what was typed (upper-cased)
    valid = client.post("/warehouses/new", data={"code": "NORTH", "name": "North"}, headers=HTMX)
    assert valid.status_code == 204 and valid.headers["HX-Redirect"].endswith("/warehouses/")


@pytest.mark.parametrize("role", [Role.ORG_SUPERVISOR, Role.ACCOUNT_ADMIN, Role.ACCOUNT_USER])
def test_only_org_owners_and_admins_manage_warehouses(client, world, login, role):
    login(ROLE_EMAILS[role])
    assert client.get("/warehouses/").status_code == 200
    assert client.post("/warehouses/new", data={"code": "EAST", "name": "East"}).status_code == 403
    assert client.post(f"/warehouses/{world.a.warehouse.id}/toggle", data={"enable": "0"}).status_code == 403
    assert warehouse_count() == 2 and enabled(world.a.account, world.a.warehouse)


def test_toggle_enables_and_disables_for_the_current_account(client, world, login):
    spare = Warehouse(organization=world.a.organization, code="SPARE", name="Spare")
    db.session.add(spare)
    db.session.commit()
    login(ADMIN)
    url = f"/warehouses/{spare.id}/toggle"
    response = client.post(url, data={"enable": "1"})
    assert response.status_code == 303 and enabled(world.a.account, spare)
    assert not enabled(world.a2, spare)  # only for the current account
    assert b"Warehouse SPARE enabled for Account A1." in client.get(response.headers["Location"]).data
    client.post(url, data={"enable": "1"})  # a double submit keeps the wanted state
    assert enabled(world.a.account, spare)
    client.post(url, data={"enable": "0"})
    assert not enabled(world.a.account, spare)
    client.post(url)  # without a wanted state it flips
    assert enabled(world.a.account, spare)


def test_toggle_with_a_bad_state_changes_nothing(client, world, login):
    login(ADMIN)
    response = client.post(f"/warehouses/{world.a.warehouse.id}/toggle", data={"enable": "maybe"})
    assert response.status_code == 303
    assert enabled(world.a.account, world.a.warehouse)


@pytest.mark.parametrize("target", ["other_org", "unknown", "huge"])
def test_toggle_outside_the_organization_is_not_found(client, world, login, target):
    warehouse_id = {"other_org": world.b.warehouse.id, "unknown": 987654, "huge": 10**20}[target]
    login(ROLE_EMAILS[Role.ORG_OWNER])
    assert client.post(f"/warehouses/{warehouse_id}/toggle", data={"enable": "0"}).status_code == 404
    assert enabled(world.b.account, world.b.warehouse)


def test_markup_in_a_name_is_escaped(client, world, login):
    login(ADMIN)
    client.post("/warehouses/new", data={"code": "XSS", "name": "<script>alert(1)</script>"})
    page = client.get("/warehouses/")
    assert page.status_code == 200
    assert b"<script>alert" not in page.data and b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.data
