"""Warehouse Mappings name the store's origin address behind an External Identifier and warn when two
warehouses map to the same one (issue 14, item 12). Over HTTP against a simulator store."""

from __future__ import annotations

import re

from extensions import db
from models.catalog import Warehouse
from models.tenancy import Role
from tests.support.sync import sync_channel
from tests.support.world import ROLE_EMAILS

HX = {"HX-Request": "true"}


def row(page: str, code: str) -> str:
    return re.search(rf'<tr data-testid="warehouse-row-{code}">(.*?)</tr>', page, re.S).group(1)


def test_origin_labels_and_shared_identifiers(client, login, world, bs_store):
    channel = sync_channel(bs_store, world.a.account)
    second = Warehouse(organization=world.a.organization, code="WH-2ND", name="Second DC")
    second.accounts.append(world.a.account)
    db.session.add(second)
    db.session.commit()
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    url = f"/channels/{channel.id}/mappings/warehouses"
    first = world.a.warehouse.code

    page = client.post(
        f"{url}/{world.a.warehouse.id}", data={"external_identifier": "1"}, headers=HX
    ).data.decode()
    assert "Store origin address: Main warehouse, Denver, Colorado" in row(page, first)
    assert 'data-testid="shared-identifier"' not in page

    page = client.post(f"{url}/{second.id}", data={"external_identifier": " 1 "}, headers=HX).data.decode()
    warning = re.search(
        r'<div class="alert alert-warning[^"]*"[^>]*data-testid="shared-identifier">(.*?)</div>', page, re.S
    )
    assert warning and f"WH-2ND and {first} map to the same External Identifier 1" in warning.group(1)
    assert "shared" in row(page, first) and "shared" in row(page, "WH-2ND")

    page = client.post(f"{url}/{second.id}", data={"external_identifier": "99"}, headers=HX).data.decode()
    assert 'data-testid="shared-identifier"' not in page
    assert "Not one of the store's origin addresses." in row(page, "WH-2ND")
    client.post(f"{url}/{world.a.warehouse.id}", data={"external_identifier": "2"})
    assert "Store origin address: East coast, Newark, New Jersey" in row(client.get(url).data.decode(), first)
