"""Import products into the demo account (`flask demo seed`) from the simulator's demo store: the store's
own spellings of techOMS SKUs are proposed, never created; once confirmed, the failed orders import on
Retry. The supplier's own code (DEMO60) resembles no techOMS SKU, so its variants are created."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from cli.demo_seed import seed
from extensions import db
from models.activity import PendingOrder, RunStatus, SyncAction, SyncRun, SyncTrigger
from models.catalog import ProductVariant
from models.tenancy import Account
from sandbox.demo import DEMO_SHOP_DOMAIN, DEMO_TOKEN
from services.mappings import sku_auto_map
from services.orders import failed_orders
from sync.start import start_run
from tests.support.sync import import_now, sync_channel, work

SPELLINGS = {
    "BS0012-M-NAVY": "BS-0012-M-NAVY",
    "bs-0024-v2-m-navy": "BS-0024-M-NAVY",
    "BS-0036_M_NAVY": "BS-0036-M-NAVY",
    "BS-0048-M-NVY": "BS-0048-M-NAVY",
}


@pytest.fixture
def app_config(app_config, demo_simulator):
    """The store calls go to the demo simulator (tests/support/simulator.py)."""
    return {**app_config, "BRIGHTSITES_ROUTE_TO": demo_simulator}


def pending(channel) -> int:
    return db.session.scalar(select(func.count(PendingOrder.id)).where(PendingOrder.channel_id == channel.id))


def test_the_demo_account_gets_proposals_for_the_store_spellings(app):
    seed()
    account = db.session.scalar(select(Account).where(Account.name == "Northwind Apparel"))
    before = db.session.scalar(
        select(func.count(ProductVariant.id)).where(ProductVariant.account_id == account.id)
    )
    channel = sync_channel(SimpleNamespace(domain=DEMO_SHOP_DOMAIN, token=DEMO_TOKEN), account, name="Demo")
    orders = import_now(channel)
    assert orders.status == RunStatus.PARTIAL and pending(channel) > 0

    run, _ = start_run(channel, SyncAction.IMPORT_PRODUCTS, SyncTrigger.MANUAL)
    db.session.commit()  # queues its job
    work()
    run = db.session.get(SyncRun, run.id)

    assert run.status == RunStatus.SUCCEEDED
    assert run.counts["proposed"] == 4 * 6  # four products spelled the store's way, six variants each
    assert run.counts["created"] == 6  # DEMO60's variants: like no techOMS SKU
    assert run.counts["linked"] == 55 * 6 and run.counts["skipped"] == 1
    after = db.session.scalar(
        select(func.count(ProductVariant.id)).where(ProductVariant.account_id == account.id)
    )
    assert after == before + 6
    waiting = sku_auto_map.catalog_waiting_skus(channel)
    proposals = sku_auto_map.propose(channel, waiting)
    pairs = {p.channel_sku: p.techoms_sku for p, _ in proposals.items}
    assert SPELLINGS.items() <= pairs.items()

    sku_auto_map.create_confirmed(channel, [(p.variant_id, p.channel_sku) for p, _ in proposals.items], None)
    db.session.commit()
    failed_orders.request_retries(channel, failed_orders.Selector.parse("all"))
    db.session.commit()
    retried = import_now(channel, trigger=SyncTrigger.RETRY)
    assert retried.status == RunStatus.SUCCEEDED
    assert pending(channel) == 0
