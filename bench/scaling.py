"""Scaling: the same sync workload on 1 and on 4 workers, at 50 ms store latency.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/scaling.py
    .venv/bin/python bench/scaling.py --channels 20 --orders 200 --products 25 --latency-ms 50

Each of `--channels` channels has a store of its own with a sync workload: import its orders (about half of
`--orders` are in the imported statuses) and export its inventory (a full compare of `--products` products
of 4 rows each). For each worker count, a fresh set of channels and stores is set up, every run is enqueued
at once on a Redis of its own, and `python -m jobs.worker` processes (bench/cluster.py) work the queue until
every run has ended. Printed: wall time per worker count, the speedup (target: 4 workers at least 3x faster),
and whether each run's work was done exactly once, from the store's side: no faults here, so each store's
billed calls (the simulator's count) equal its flow's floor exactly when its run executed once; a second
execution lists the store again at least (the run's attempt counter is printed beside it, for information).
The simulator runs in its own process; the database is a temporary SQLite file, or with DATABASE_URL a
PostgreSQL schema of its own (recommended: SQLite serialises writers).

    .venv/bin/python bench/scaling.py --self-test

runs 2 channels on 1 worker, then executes one flow's work a second time in this process: the "executed
once" check must FAIL (exit 1).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.chaos_flows import RUN_TRIGGER, Flow, ImportFlow, InventoryFlow, Size  # noqa: E402
from bench.cluster import RedisServer, WorkerPool, app_process_env  # noqa: E402
from bench.verdicts import Verdicts  # noqa: E402
from extensions import db  # noqa: E402
from models.activity import SyncRun  # noqa: E402
from models.tenancy import Account, Organization  # noqa: E402
from sync import runs  # noqa: E402
from sync.executor import execute_run  # noqa: E402
from sync.start import start_run  # noqa: E402


def setup(sim, channels: int, size: Size, first_slot: int) -> list[Flow]:
    flows: list[Flow] = []
    for slot in range(first_slot, first_slot + channels):
        organization = Organization(name=f"Scaling {slot}")
        db.session.add(organization)
        for kind in (ImportFlow, InventoryFlow):
            account = Account(
                organization=organization, name=f"Scaling {slot} {kind.kind}", code=f"S{slot}{kind.kind}"
            )
            db.session.add(account)
            db.session.commit()
            flow = kind(sim, account, slot, size)
            flow.setup()
            flows.append(flow)
    return flows


def measure(
    sim, make_app, redis_server: RedisServer, work: Path, workers: int, args, first_slot: int
) -> dict:
    app = make_app(redis_server.url)
    app.config["BRIGHTSITES_ROUTE_TO"] = sim.base_url
    env = app_process_env(app, work, redis_server.url, BRIGHTSITES_ROUTE_TO=sim.base_url)
    pool = WorkerPool(workers, env, work)
    with app.app_context():
        size = Size(orders=args.orders, products=args.products)
        flows = setup(sim, args.channels, size, first_slot)
        for flow in flows:
            flow.reset_calls()
            flow.faults({"latency_ms": args.latency_ms})
        pool.start()
        time.sleep(2)  # the workers are up and listening before the clock starts
        run_ids = []
        started = time.perf_counter()
        for flow in flows:
            run, _ = start_run(flow.channel, flow.action, RUN_TRIGGER, **flow.params)
            db.session.commit()  # queues its job
            run_ids.append(run.id)
        while True:
            db.session.expire_all()
            ended = db.session.scalars(select(SyncRun).where(SyncRun.id.in_(run_ids))).all()
            if all(run.status.is_final for run in ended):
                break
            if time.perf_counter() - started > args.timeout:
                raise SystemExit(f"scaling: runs not done after {args.timeout:.0f} s")
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        pool.stop()
        for flow in flows:
            flow.calm()
        if args.self_test:  # the first flow's work done a second time, as a duplicated job would
            again = runs.new_run(flows[0].channel, flows[0].action, RUN_TRIGGER, **flows[0].params)
            db.session.add(again)
            db.session.commit()
            execute_run(again.id)
            print(f"  self-test: {flows[0].name}'s work executed a second time (run {again.id})")
        over_floor = {
            flow.name: (flow.billed_calls(), flow.floor())
            for flow in flows
            if flow.billed_calls() != flow.floor()
        }
        per_flow = Counter(
            db.session.scalars(
                select(SyncRun.channel_id).where(SyncRun.channel_id.in_([flow.channel.id for flow in flows]))
            )
        )
        failed = [check for flow in flows for check in flow.invariants() if not check.ok]
        return {
            "elapsed": elapsed,
            "runs": len(ended),
            "statuses": Counter(run.status.value for run in ended),
            "attempts": Counter(run.attempts for run in ended),
            "runs_per_flow": max(per_flow.values()),
            "failed_checks": failed,
            "over_floor": over_floor,
            "flows": len(flows),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--orders", type=int, default=200, help="store orders per channel")
    parser.add_argument("--products", type=int, default=25, help="store products per channel (4 rows each)")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--self-test", action="store_true", help="spoil the outcome: checks must FAIL")
    args = parser.parse_args()
    if args.self_test:
        args.channels, args.orders, args.products, args.latency_ms, args.workers = 2, 20, 5, 0, [1]
    verdicts = Verdicts()
    work = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    os.environ["TECHOMS_INSTANCE_PATH"] = str(work)
    from bench.scratch_database import scratch_app_factory
    from bench.simulator_process import Simulator

    print(
        f"scaling: {args.channels} channels, each: import of {args.orders} store orders + full inventory "
        f"export "
        f"of {args.products} products ({4 * args.products} rows); store latency {args.latency_ms} ms; "
        f"database {'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}"
    )
    sim = Simulator()
    redis_server = RedisServer(work)
    results = {}
    try:
        make_app = scratch_app_factory(work, "scaling")
        for n, workers in enumerate(args.workers):
            result = measure(sim, make_app, redis_server, work, workers, args, first_slot=1 + n * 1000)
            results[workers] = result
            print(
                f"  {workers} worker(s): {result['elapsed']:.1f} s for {result['runs']} runs "
                f"({dict(result['statuses'])}); the runs' attempt counters {dict(result['attempts'])}"
            )
            over = result["over_floor"]
            verdicts.check(
                f"{workers} worker(s): each run's work executed once (store calls = floor)",
                not over,
                f"{result['flows'] - len(over)} of {result['flows']} stores at their floor"
                + (f"; over: {over}" if over else ""),
            )
            verdicts.check(
                f"{workers} worker(s): invariants hold",
                not result["failed_checks"],
                "; ".join(f"{c.flow} {c.name}: {c.detail}" for c in result["failed_checks"]) or "all",
            )
    finally:
        redis_server.stop()
        sim.stop()
    if len(results) >= 2:
        first, last = args.workers[0], args.workers[-1]
        speedup = results[first]["elapsed"] / results[last]["elapsed"]
        print(f"  speedup {last} vs {first} worker(s): {speedup:.2f}x (target at least 3x for 4 vs 1)")
    verdicts.finish()


if __name__ == "__main__":
    main()
