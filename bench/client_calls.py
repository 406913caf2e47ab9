"""Billed calls of a full order download through BrightSitesClient, against the simulator in-process.

    .venv/bin/python bench/client_calls.py --orders 2000

Lists every order (per_page=500) and fetches each detail; prints calls made against the floor
ceil(N/500) + N and the elapsed time. A second run injects faults (10% 500s, 5% 429 with Retry-After: 1,
seeded) and checks that every order was still fetched. A third, traced run gives the peak memory.
Retry waits are recorded, not slept, unless --real-sleep is given (they are listed separately so the
figures stay honest).
"""

from __future__ import annotations

import argparse
import math
import sys
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repo root

from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from connectors.brightsites import BrightSitesClient  # noqa: E402
from sandbox.app import create_sandbox_app  # noqa: E402
from sandbox.generator import StoreSpec, build_store  # noqa: E402
from sandbox.store import StoreRegistry  # noqa: E402


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def download_everything(client: BrightSitesClient) -> set[int]:
    fetched: set[int] = set()
    for summary in client.iter_orders():
        detail = client.get_order(summary["order_id"])
        fetched.add(detail["order_id"])
    return fetched


def run(
    label: str,
    base_url: str,
    registry: StoreRegistry,
    subdomain: str,
    orders: int,
    *,
    faults: dict[str, object] | None,
    real_sleep: bool,
    trace_memory: bool,
) -> bool:
    store = registry.get(subdomain)
    assert store is not None
    store.faults.reset()
    if faults:
        store.faults.configure(**faults)
    store.calls.reset()
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if real_sleep:
            time.sleep(seconds)

    client = BrightSitesClient(store.domain, store.token, route_to=base_url, sleep=wait, max_retries=5)
    if trace_memory:
        tracemalloc.start()
    started = time.perf_counter()
    fetched = download_everything(client)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace_memory else 0
    tracemalloc.stop()
    client.close()

    minimum = math.ceil(orders / 500) + orders
    complete = fetched == set(store.orders)
    print(f"[{label}] orders fetched {len(fetched)}/{orders} ({'complete' if complete else 'INCOMPLETE'})")
    print(
        f"[{label}] calls made {client.calls} (simulator counted {store.calls.total}), minimum {minimum}, "
        f"overhead {client.calls - minimum} ({(client.calls - minimum) / minimum:.1%})"
    )
    if trace_memory:
        print(
            f"[{label}] peak traced memory {peak / 1_048_576:.1f} MiB (client and in-process simulator "
            f"together); elapsed under tracemalloc {elapsed:.2f} s"
        )
    else:
        print(f"[{label}] elapsed {elapsed:.2f} s ({elapsed / max(client.calls, 1) * 1000:.1f} ms per call)")
    if faults:
        slept = "slept" if real_sleep else "recorded, not slept"
        print(f"[{label}] retry waits: {len(waits)} totalling {sum(waits):.1f} s ({slept})")
    return complete


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--real-sleep", action="store_true", help="actually sleep through Retry-After and backoff waits"
    )
    args = parser.parse_args(argv)

    registry = StoreRegistry()
    print(f"building a store with {args.orders} orders ...")
    registry.add(build_store(StoreSpec(subdomain="bench", seed=args.seed, products=40, orders=args.orders)))
    server = make_server(
        "127.0.0.1", 0, create_sandbox_app(registry), threaded=True, request_handler=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    faults = {"seed": args.seed, "error_rate": 0.10, "rate_limit_rate": 0.05, "retry_after": "1"}
    try:
        # timed runs without tracemalloc (it slows Python down), then one traced run for the memory peak
        scenarios = [
            ("no faults", None, False),
            ("faults: 10% 500, 5% 429 Retry-After 1", faults, False),
            ("no faults, memory", None, True),
        ]
        results = [
            run(label, base_url, registry, "bench", args.orders, faults=injected, real_sleep=args.real_sleep,
                trace_memory=traced)
            for label, injected, traced in scenarios
        ]  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
