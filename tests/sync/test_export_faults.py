"""Exactly once under faults (issue #11): with 10% 500s, 5% 429s and 2% connections dropped after the store
has written, and with a worker process killed mid-run, every shipment is on the store once — no duplicate,
none missing — checked against the simulator's own state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from extensions import db
from models.activity import RunStatus, SyncAction, SyncRun, SyncTrigger
from models.base import utcnow
from models.channels import ShipmentStoreStatus
from models.shipments import ExportStatus, Shipment
from services.shipments import export_state
from sync import runs
from sync.start import start_run
from tests.support.shipments import export_channel, export_now, imported_orders, ship, store_shipments

ROOT = Path(__file__).resolve().parents[2]


def ship_in_packages(channel) -> dict[str, tuple[int, list[tuple[int, int]]]]:
    """Every imported order shipped: orders with several lines in two packages, others in one. Returns
    tracking -> (store order id, store lines)."""
    expected = {}
    for n, order in enumerate(imported_orders(channel)):
        lines = sorted((line for line in order.lines if line.is_physical), key=lambda line: line.id)
        packages = [lines[:1], lines[1:]] if len(lines) > 1 else [lines]
        for p, package in enumerate(packages):
            tracking = f"1ZF{n:03d}{p}"
            quantities = [line.quantity if line in package else 0 for line in lines]
            ship(order, quantities, tracking)
            db.session.refresh(order)
            expected[tracking] = (
                order.external_id,
                sorted((line.external_line_id, line.quantity) for line in package),
            )
    return expected


def assert_exactly_once(simulator, store, channel, expected) -> list[dict]:
    on_store = store_shipments(simulator, store)
    copies = Counter(s["tracking_number"] for s in on_store)
    duplicates = {tracking: n for tracking, n in copies.items() if n > 1}
    assert not duplicates, f"shipped twice: {duplicates}"
    assert set(copies) == set(expected), f"missing: {set(expected) - set(copies)}"
    for item in on_store:
        order_id, lines = expected[item["tracking_number"]]
        assert item["order_id"] == order_id
        assert sorted((line["id"], line["quantity"]) for line in item["line_items"]) == lines
    db.session.expire_all()
    ours = db.session.scalars(select(Shipment).where(Shipment.channel_id == channel.id)).all()
    assert {s.export_status for s in ours} == {ExportStatus.SENT}
    assert {s.tracking_number: s.store_shipment_id for s in ours} == {
        item["tracking_number"]: item["id"] for item in on_store
    }
    return on_store


def test_faults_neither_duplicate_nor_lose_a_shipment(simulator, world):
    store, channel = export_channel(
        simulator,
        world,
        orders=60,
        seed=21,
        shipment_store_status=ShipmentStoreStatus.COMPLETED,
        update_order_with_last_shipment=True,
    )
    expected = ship_in_packages(channel)
    assert len(expected) > 30
    simulator.set_faults(
        store, error_rate=0.10, rate_limit_rate=0.05, retry_after="1", drop_after_rate=0.02, seed=1234
    )
    statuses = []
    for _ in range(12):  # each run retries through the job; what is left goes to the next run
        statuses.append(export_now(channel).status)
        if not export_state.has_work(channel):
            break
    simulator.reset_faults(store)
    assert not export_state.has_work(channel), statuses
    assert RunStatus.FAILED in statuses or len(statuses) > 1 or statuses == [RunStatus.SUCCEEDED]
    assert_exactly_once(simulator, store, channel, expected)
    last_tracking = {}
    for tracking, (order_id, _lines) in sorted(expected.items()):
        last_tracking[order_id] = tracking  # the second package of an order is its last
    for order_id, tracking in last_tracking.items():
        state = simulator.inspect_order(store, order_id)
        assert (state["status"], state["tracking_number"]) == ("completed", tracking), order_id


def test_several_requests_in_flight_with_faults_send_each_package_once_and_bill_what_they_count(
    simulator, world
):
    """Eight requests in flight (issue #28: the export keeps several calls going through the store's shared
    rate) while the store answers 500s, 429s and drops connections after writing: still every package once,
    and the runs count exactly the calls the store billed."""
    store, channel = export_channel(
        simulator,
        world,
        orders=40,
        seed=33,
        detail_concurrency=8,
        shipment_store_status=ShipmentStoreStatus.COMPLETED,
        update_order_with_last_shipment=True,
    )
    expected = ship_in_packages(channel)
    simulator.set_faults(
        store,
        latency_ms=20,
        error_rate=0.10,
        rate_limit_rate=0.05,
        retry_after="1",
        drop_after_rate=0.05,
        seed=99,
    )
    done = []
    for _ in range(12):
        done.append(export_now(channel))
        if not export_state.has_work(channel):
            break
    simulator.reset_faults(store)
    assert not export_state.has_work(channel), [run.status for run in done]
    assert_exactly_once(simulator, store, channel, expected)
    assert sum(run.api_calls for run in done) == simulator.calls(store)["total"]
    confirmed = sum(run.counts.get("sent", 0) + run.counts.get("reconciled", 0) for run in done)
    assert confirmed == len(expected)


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (RQ's work horse runs in its own process group)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if f"\nPPid:\t{pid}\n" in status.read_text():
                found.append(int(status.parent.name))
        except (OSError, ValueError):
            continue
    return found


def _kill_worker(worker: subprocess.Popen) -> list[int]:
    """SIGKILL the worker and its work horse at once, as a crashed machine would; the pids killed."""
    horses = _children(worker.pid)
    for pid in horses:
        os.kill(pid, signal.SIGKILL)
    os.killpg(worker.pid, signal.SIGKILL)
    return [worker.pid, *horses]


def _ended(pid: int) -> bool:
    """The process is gone or a zombie: either way its sockets are closed, it sends nothing more."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in {"Z", "X"}


def _wait_until(condition, what: str) -> None:
    """Follow `condition` until it holds; the deadline is a hang guard, not a wait the test relies on."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def _counts_by_status(channel) -> dict[ExportStatus, int]:
    db.session.commit()  # end the read transaction: see what the worker committed
    return dict(
        db.session.execute(
            select(Shipment.export_status, func.count(Shipment.id))
            .where(Shipment.channel_id == channel.id)
            .group_by(Shipment.export_status)
        ).all()
    )


def test_a_worker_killed_mid_run_duplicates_nothing(app_config, simulator, world, tmp_path):
    store, channel = export_channel(simulator, world, orders=40, seed=8)
    expected = ship_in_packages(channel)
    simulator.set_faults(store, latency_ms=250)  # every call takes a while: the kill lands mid-request
    run, _ = start_run(channel, SyncAction.EXPORT_SHIPMENTS, SyncTrigger.MANUAL)
    db.session.commit()  # queues its job
    environment = {
        **os.environ,
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app_config["REDIS_URL"],
        "BRIGHTSITES_ROUTE_TO": simulator.base_url,
        "TECHOMS_INSTANCE_PATH": str(tmp_path),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "jobs.worker"],
        cwd=ROOT,
        env=environment,
        start_new_session=True,  # its own process group: the kill takes the work horse too
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    in_flight = None  # several requests are in flight at once (the channel's detail concurrency)
    killed: list[int] = []
    try:
        deadline = time.monotonic() + 300  # a hang guard; the loop follows the rows
        while time.monotonic() < deadline:
            counts = _counts_by_status(channel)
            if counts.get(ExportStatus.SENT, 0) >= 2 and counts.get(ExportStatus.SENDING, 0) >= 1:
                killed = _kill_worker(worker)
                in_flight = set(
                    db.session.scalars(
                        select(Shipment.tracking_number).where(
                            Shipment.channel_id == channel.id, Shipment.export_status == ExportStatus.SENDING
                        )
                    )
                )
                break
            time.sleep(0.02)
    finally:
        if worker.poll() is None and in_flight is None:
            _kill_worker(worker)
        worker.wait(10)
    assert in_flight is not None, "the worker never got mid-run"
    # The store finishes the requests the dead worker left in flight (each waits its 250 ms, then writes):
    # once the killed processes can send nothing more, follow the simulator until it is handling none of them.
    _wait_until(lambda: all(_ended(pid) for pid in killed), "the killed worker ended")
    _wait_until(lambda: simulator.calls(store)["in_progress"] == 0, "the store answered every request")

    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert run.status == RunStatus.RUNNING  # what a killed worker leaves behind
    run.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    assert runs.sweep_stale_runs() == 1
    simulator.reset_faults(store)
    stored_before = {s["tracking_number"] for s in store_shipments(simulator, store)}

    rerun = export_now(channel)
    assert rerun.status == RunStatus.SUCCEEDED
    assert_exactly_once(simulator, store, channel, expected)
    # What the store wrote while the worker died is found, not sent again; the rest is sent.
    assert rerun.counts.get("reconciled", 0) == len(in_flight & stored_before)
    assert rerun.counts.get("sent", 0) == len(expected) - len(stored_before)
