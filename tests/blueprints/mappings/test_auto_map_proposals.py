"""Auto-map proposes likely matches for the SKUs that stop orders (issue 14, item 7): the user ticks and
confirms them, and the answer says how many failed orders a retry now lets through, with Retry all. Over HTTP
against a simulator store, with a real RQ worker for the retry."""

from __future__ import annotations

import re

from sqlalchemy import select

from extensions import db
from models.activity import PendingOrder
from models.channels import AuditEvent
from models.mappings import SkuMapping
from models.tenancy import Role
from tests.support.failed_orders import respelled_channel
from tests.support.sync import make_store, sync_channel, work
from tests.support.world import ROLE_EMAILS

HX = {"HX-Request": "true"}


def test_auto_map_proposes_confirms_and_says_what_it_fixed(client, login, simulator, world):
    store, channel, spellings = respelled_channel(simulator, world)
    waiting = db.session.scalar(
        select(db.func.count(PendingOrder.id)).where(PendingOrder.channel_id == channel.id)
    )
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    url = f"/channels/{channel.id}/mappings/skus"
    page = client.post(f"{url}/auto-map", headers=HX).data.decode()
    rows = re.findall(r'<tr data-testid="proposal">(.*?)</tr>', page, re.S)
    assert len(rows) == 3
    for store_sku, techoms_sku in spellings.items():
        row = next(row for row in rows if f">{store_sku}</label>" in row)
        assert f">{techoms_sku}</td>" in row and "checked" in row
    assert re.search(r'<td class="text-end">[1-9]\d*</td>', rows[0])  # the failed orders it would let through
    values = re.findall(r'name="proposal" id="proposal-\d+" value="([^"]+)"', page)

    # The user unticks one proposal and confirms the others.
    answer = client.post(f"{url}/auto-map/confirm", data={"proposal": values[:2]}, headers=HX).data.decode()
    created = db.session.scalars(
        select(SkuMapping.channel_sku).where(SkuMapping.channel_id == channel.id)
    ).all()
    confirmed = {value.split("|", 1)[1] for value in values[:2]}
    assert confirmed <= set(created)
    assert values[2].split("|", 1)[1] not in created
    fixed = int(re.search(r"2 mappings created; (\d+) failed orders? can now be retried", answer).group(1))
    assert 0 < fixed < waiting
    assert f"Retry all {fixed}" in answer
    audit = db.session.scalars(select(AuditEvent.action).where(AuditEvent.channel_id == channel.id)).all()
    assert audit.count("sku_mapping_added") >= 2

    simulator.reset_calls(store)  # Auto-map read the store's SKUs (billed); the retry is counted alone
    response = client.post(f"/channels/{channel.id}/sync/failed-orders/retry", data={"group": "fixed"})
    assert response.status_code == 303
    work()
    still = db.session.scalar(
        select(db.func.count(PendingOrder.id)).where(PendingOrder.channel_id == channel.id)
    )
    assert still == waiting - fixed
    # The retry imported exactly those orders from the documents stored when they failed (the store's listing
    # shows them unchanged): no call.
    assert simulator.calls(store)["total"] == 0


def test_confirm_refuses_what_it_cannot_map(client, login, simulator, world):
    store = make_store(simulator, seed=1, products=2, orders=2)
    channel = sync_channel(store, world.a.account)
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    url = f"/channels/{channel.id}/mappings/skus/auto-map/confirm"
    nothing = client.post(url, data={}, headers=HX)
    assert b"Tick at least one proposed match" in nothing.data
    theirs = world.b.variant.id  # another tenant's variant: skipped, never mapped
    junk = ["x|", "|SKU", "12", f"{theirs}|STORE-SKU", f"{world.a.variant.id}|bad\tsku"]
    answer = client.post(url, data={"proposal": junk}, headers=HX).data.decode()
    assert "0 mappings created (1 skipped" in answer
    assert db.session.scalar(select(SkuMapping)) is None
    assert client.post(f"/channels/{world.b.channel.id}/mappings/skus/auto-map/confirm").status_code == 404
    client.post("/logout")
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.post(url, data={"proposal": [f"{world.a.variant.id}|X"]}).status_code == 403
