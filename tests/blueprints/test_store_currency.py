"""Order totals with the store's currency: Bright Sites sends amounts without one, so Advanced settings ›
Store currency says it once per channel; the order list, the order page and the orders API show it, and a
channel without it shows bare amounts (the API says null) rather than a guessed symbol."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.channels import AuditEvent, SalesChannel
from models.tenancy import Role
from tests.support.channel_steps import ADVANCED
from tests.support.orders import make_order
from tests.support.shipments import api_key
from tests.support.world import ROLE_EMAILS


def currency_of(channel: SalesChannel) -> str:
    db.session.expire_all()
    return db.session.get(SalesChannel, channel.id).currency


def test_the_store_currency_is_saved_audited_and_shown_on_the_order_and_in_the_api(client, login, world):
    channel = world.a.channel
    order = make_order(channel, "BS-CUR-1")
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post(
        f"/channels/{channel.id}/advanced",
        data={**ADVANCED, "currency": " eur "},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and b"Saved 14 changes." in response.data
    assert currency_of(channel) == "EUR"
    audited = db.session.scalar(
        select(AuditEvent).where(AuditEvent.channel_id == channel.id, AuditEvent.field == "currency")
    )
    assert (audited.old_value, audited.new_value) == ("(empty)", "EUR")
    assert "Setting changed: Store currency" in client.get(f"/channels/{channel.id}/history").text

    page = client.get(f"/orders/{order.id}").text
    assert "1,234.50 EUR" in page and "1,200.00 EUR" in page  # the total and the items
    assert "1,234.50 EUR" in client.get("/orders/").text
    key = api_key(world.a.account)
    detail = client.get(f"/api/v1/orders/{order.id}", headers={"Authorization": f"Bearer {key}"}).json
    assert detail["currency"] == "EUR" and detail["totals"]["grand"] == "1234.50"


def test_without_a_currency_the_amounts_stand_alone_and_the_api_says_null(client, login, world):
    order = make_order(world.a.channel, "BS-CUR-2")
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    page = client.get(f"/orders/{order.id}").text
    assert "1,234.50<" in page
    key = api_key(world.a.account)
    detail = client.get(f"/api/v1/orders/{order.id}", headers={"Authorization": f"Bearer {key}"}).json
    assert detail["currency"] is None


def test_a_code_that_is_not_three_letters_is_refused_with_its_message_and_nothing_saved(client, login, world):
    channel = world.a.channel
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    for bad in ("US", "US1", "EURO", "€", "usd\n"):
        response = client.post(
            f"/channels/{channel.id}/advanced",
            data={**ADVANCED, "currency": bad},
            headers={"HX-Request": "true"},
        )
        if bad == "usd\n":  # surrounding space is trimmed: that one is USD
            assert response.status_code == 200, bad
            continue
        assert response.status_code == 422, bad
        assert "Enter the three-letter ISO 4217 code" in response.text, bad
        assert currency_of(channel) == "", bad
    assert currency_of(channel) == "USD"
