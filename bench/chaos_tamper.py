"""The chaos bench's self-test: after a clean run, the outcome is spoiled the way a bug would spoil it, one
thing per flow, and the invariants are checked again: each tampered one must FAIL.

  * import: one imported order deleted from the database (an order lost);
  * ship: one of our shipments taken off the store (a shipment that never arrived);
  * stock: one store row set to a figure techOMS never published;
  * purge: one purged order given its customer's e-mail back;
  * push: the simulator's count before the sweep one higher (as if the push path had made a call);
  * runs: one run put back to running (a run nobody will end);
  * calls: billed calls well over the floor (each flow's store charged extra listing calls).
"""

from __future__ import annotations

from sqlalchemy import func, select, text, update

from bench.chaos_flows import Flow
from connectors.brightsites import BrightSitesClient
from extensions import db
from models.activity import RunStatus, SyncRun


def _writer(flow: Flow) -> BrightSitesClient:
    return BrightSitesClient(flow.store["domain"], flow.store["token"], route_to=flow.sim.base_url)


def tamper_import(flow: Flow) -> None:
    db.session.execute(
        text("DELETE FROM sales_order WHERE id = (SELECT MAX(id) FROM sales_order WHERE channel_id = :c)"),
        {"c": flow.channel.id},
    )


def tamper_ship(flow: Flow) -> None:
    tracking = db.session.execute(
        text("SELECT tracking_number FROM shipment WHERE channel_id = :c ORDER BY id LIMIT 1"),
        {"c": flow.channel.id},
    ).scalar_one()
    shipments = flow.sim.admin("GET", f"/stores/{flow.store['subdomain']}/shipments")["shipments"]
    ours = next(s for s in shipments if s["tracking_number"] == tracking)
    with _writer(flow) as client:
        client.delete_shipment(ours["order_id"], ours["id"])


def tamper_stock(flow: Flow) -> None:
    with _writer(flow) as client:
        row = next(r for r in client.iter_inventories() if r["track"])
        client.request(
            "PUT",
            "/products/{product_id}/inventories/{row_id}",
            ids={"product_id": row["product_id"], "row_id": row["id"]},
            body={"inventory": {"inventory": 99_999}},
        )


def tamper_purge(flow: Flow) -> None:
    db.session.execute(
        text(
            "UPDATE sales_order SET customer_email = 'back@example.com'"
            " WHERE id = (SELECT MIN(id) FROM sales_order WHERE channel_id = :c)"
        ),
        {"c": flow.channel.id},
    )


def tamper_push(flow: Flow) -> None:
    """The simulator's count taken before the sweep, as if the push path had made one call."""
    flow.calls_before_sweep = (flow.calls_before_sweep or 0) + 1


def tamper_calls(flows: list[Flow]) -> None:
    for flow in flows:
        if flow.store:
            with _writer(flow) as client:
                for _ in range(max(3, flow.floor())):
                    client.list_orders_page(per_page=1)


def tamper_runs(channel_ids: list[int]) -> None:
    last = db.session.scalar(select(func.max(SyncRun.id)).where(SyncRun.channel_id.in_(channel_ids)))
    db.session.execute(update(SyncRun).where(SyncRun.id == last).values(status=RunStatus.RUNNING))


BY_KIND = {
    "import": tamper_import,
    "ship": tamper_ship,
    "stock": tamper_stock,
    "purge": tamper_purge,
    "push": tamper_push,
}


def tamper(flows: list[Flow]) -> None:
    """Spoil one thing per flow kind (its first flow), the runs and the calls."""
    seen: set[str] = set()
    for flow in flows:
        if flow.kind not in seen:
            BY_KIND[flow.kind](flow)
            seen.add(flow.kind)
    tamper_runs([flow.channel.id for flow in flows])
    tamper_calls(flows)
    db.session.commit()
