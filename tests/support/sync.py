"""Helpers for sync tests: a channel on a simulator store, a catalog selling the store's SKUs, and a real RQ
worker (SimpleWorker, burst mode, on the real Redis) to run the queued jobs in-process."""

from __future__ import annotations

import time

from rq import SimpleWorker
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import select

from extensions import db, redis_client
from models.activity import EventLevel, SyncAction, SyncEvent, SyncRun, SyncTrigger
from models.catalog import Product, ProductVariant
from models.channels import SalesChannel
from models.orders import SalesOrder
from run_queue.enqueue import job_id, sync_queue
from services.channels import token_vault
from sync.start import start_run
from tests.support.simulator import StoreHandle

STATUSES = ["new", "paid", "in_progress"]


def sync_channel(store, account, *, statuses=STATUSES, name: str = "Sync store", **settings) -> SalesChannel:
    channel = SalesChannel(
        account_id=account.id,
        name=name,
        shop_domain=store.domain,
        token_ciphertext=token_vault.encrypt(store.token),
        token_last4=store.token[-4:],
        token_can_write=True,
        order_statuses=list(statuses),
        import_lag_minutes=0,
        timezone="UTC",
    )
    db.session.add(channel)
    db.session.flush()
    for name, value in settings.items():  # after the insert: None given to the constructor means "default"
        setattr(channel, name, value)
    db.session.commit()
    return channel


def run_events(run: SyncRun, level: EventLevel | None = None) -> list[SyncEvent]:
    """The run's events in the order it wrote them, or those of one level."""
    query = select(SyncEvent).where(SyncEvent.run_id == run.id)
    if level:
        query = query.where(SyncEvent.level == level)
    return list(db.session.scalars(query.order_by(SyncEvent.id)))


def make_store(simulator, **spec):
    """A simulator store without vendor-managed products, so /inventories lists every SKU its orders use."""
    return simulator.create_store(**{"vendor_rate": 0, "vendor_managed": [], **spec})


def next_second() -> None:
    """Let the clock pass a whole second: listings filter `updated_at` with second precision, so a change made
    in the same second as the next run's upper bound belongs to the run after it (the overlap catches it).
    The one wall-clock wait the tests keep (it asserts nothing about time): the simulator, the run, RQ and
    Redis keep sharing the real clock, where a time_machine jump would be undone under a stored cursor."""
    time.sleep(1.05 - (time.time() % 1))


def sku_used_by_an_order(simulator, store) -> str:
    with simulator.client(store) as client:
        order_id = next(iter(client.iter_orders(status="new")))["order_id"]
        sku = next(
            li["final_sku"]
            for li in client.get_order(order_id)["line_items"]
            if li["final_sku"] != "GIFTCERT"
        )
    simulator.reset_calls(store)
    return sku


def store_skus(simulator, store) -> list[str]:
    with simulator.client(store) as client:
        skus = sorted({row["final_sku"] for row in client.iter_inventories()} | {"GIFTCERT"})
    simulator.reset_calls(store)
    return skus


def catalog_for(simulator, store, account, *, missing: tuple[str, ...] = ()) -> dict[str, ProductVariant]:
    """A product with one variant per SKU the store sells (except `missing`)."""
    product = Product(account_id=account.id, name=f"Store {store.subdomain} goods")
    db.session.add(product)
    variants = {}
    for sku in store_skus(simulator, store):
        if sku in missing:
            continue
        variant = ProductVariant(account_id=account.id, title=sku)
        variant.set_sku(sku)
        product.variants.append(variant)
        variants[sku] = variant
    db.session.commit()
    return variants


def store_order_ids(simulator, store, statuses=STATUSES) -> set[int]:
    with simulator.client(store) as client:
        ids = {int(s["order_id"]) for status in statuses for s in client.iter_orders(status=status)}
    simulator.reset_calls(store)
    return ids


def work() -> None:
    """Run every queued job (and immediate retries) with a real RQ worker, then return."""
    queue = sync_queue()
    SimpleWorker([queue], connection=queue.connection, serializer=JSONSerializer).work(burst=True)
    db.session.expire_all()


def import_now(channel: SalesChannel, *, trigger=SyncTrigger.MANUAL, **params) -> SyncRun:
    run, created = start_run(channel, SyncAction.IMPORT_ORDERS, trigger, **params)
    assert created, "an import was already active"
    db.session.commit()  # queues its job
    work()
    return db.session.get(SyncRun, run.id)


def import_through_an_outage(simulator, account) -> tuple[StoreHandle, SyncRun]:
    """An order import of a small store that answers 500 to every call, worked until it ends: every attempt
    RQ gives it fails. The store and the ended run."""
    store = make_store(simulator, seed=1, products=2, orders=3)
    channel = sync_channel(store, account)
    simulator.set_faults(store, error_rate=1.0)
    return store, import_now(channel)


def job_of(run: SyncRun) -> Job:
    """The RQ job of a run, as Redis holds it now (its status, the retries it has left)."""
    queue = sync_queue()
    return Job.fetch(job_id(run), connection=queue.connection, serializer=JSONSerializer)


def imported_ids(channel: SalesChannel) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(SalesOrder.external_id).where(SalesOrder.channel_id == channel.id)))


def redis():
    return redis_client()
