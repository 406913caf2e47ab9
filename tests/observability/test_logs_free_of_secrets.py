"""The logs of a full run hold no token and no customer data (LOG-01, LOG-03): an import, a shipment
export and an import through store errors, run by a real RQ worker against the simulator, every logger at
DEBUG, written by the production JSON formatter. Then the captured text is searched for the token and every
customer e-mail (and name) of the store's orders."""

from __future__ import annotations

from models.activity import RunStatus
from sandbox.demo import DEMO_READONLY_TOKEN, DEMO_TOKEN
from tests.support.log_capture import captured_logs
from tests.support.mappings import add_carrier_mapping
from tests.support.shipments import carriers, export_now, imported_orders, ship_all
from tests.support.sync import catalog_for, import_now, make_store, next_second, sync_channel


def customer_data(simulator, store) -> set[str]:
    found: set[str] = set()
    with simulator.client(store) as client:
        for summary in client.iter_orders():
            order = client.get_order(summary["order_id"])
            found.add(order["customer_email"])
            for contact in ("shipping_contact", "billing_contact"):
                found |= {
                    str(v) for k, v in (order.get(contact) or {}).items() if "email" in k or "name" in k
                }
    simulator.reset_calls(store)
    return {value for value in found if value and len(value) > 3}


def test_a_full_run_logs_neither_the_token_nor_customer_data(simulator, world):
    store = make_store(
        simulator,
        seed=11,
        products=4,
        orders=12,
        moas_rate=0,
        gift_rate=0,
        token=DEMO_TOKEN,
        readonly_token=DEMO_READONLY_TOKEN,
    )
    assert store.token == DEMO_TOKEN
    pii = customer_data(simulator, store)
    assert any("@" in value for value in pii)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    add_carrier_mapping(channel, carriers()[("UPS", "GND")], "UPS Ground", primary=True)

    with captured_logs() as logs:
        assert import_now(channel).status == RunStatus.SUCCEEDED
        for number, order in enumerate(imported_orders(channel)[:3]):
            ship_all(order, f"1ZLOGS{number:04d}")
        assert export_now(channel).status == RunStatus.SUCCEEDED
        next_second()
        simulator.add_order(store)
        simulator.set_faults(store, error_rate=1.0)  # every call fails: retries, then the run fails
        failed = import_now(channel)
        simulator.reset_faults(store)

    assert failed.status == RunStatus.FAILED
    text = logs.text
    assert len(logs.lines()) > 10, "the run logged too little to prove anything"
    assert any(r.get("run_id") == failed.id for r in logs.records())
    assert DEMO_TOKEN not in text and DEMO_TOKEN[-12:] not in text
    leaked = sorted(value for value in pii if value in text)
    assert not leaked, f"customer data in the logs: {leaked}"
