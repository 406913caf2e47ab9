"""Addresses that only take a POST answer a GET with the page they belong to, not 405 (a bookmark, Back
after a refused form)."""

from __future__ import annotations

from models.tenancy import Role
from tests.support.world import ROLE_EMAILS


def test_the_delete_address_opens_the_channel(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.get(f"/channels/{world.a.channel.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/channels/{world.a.channel.id}/main"
    )
    assert client.get(f"/channels/{world.b.channel.id}/delete").status_code == 404


def test_the_stock_import_address_opens_the_products_page(client, login, world):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    response = client.get("/products/stock/import")
    assert response.status_code == 303 and response.headers["Location"].endswith("/products/#stock-import")
