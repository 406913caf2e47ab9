"""Billed calls of reading a store's channel SKUs (Auto-map, the Unmapped view), against the simulator
in-process.

    .venv/bin/python bench/store_skus.py --products 2000 --vendor-rate 0.1

Reads every final SKU the store sells, vendor-managed products included, twice: a first read, then a refresh
with what the first one remembered. Prints the calls made against the floor of each read,
ceil(inventory rows/500) + ceil(products/500) + one show per vendor-managed product (the refresh: without
the shows, nothing changed), what showing every product would cost instead, and whether the SKUs read are
exactly those the store sells. Exits 1 when a read is incomplete or above its floor.
"""

from __future__ import annotations

import argparse
import math
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repo root

from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from connectors.brightsites import BrightSitesClient  # noqa: E402
from sandbox.app import create_sandbox_app  # noqa: E402
from sandbox.generator import StoreSpec, build_store  # noqa: E402
from sandbox.store import Store, StoreRegistry  # noqa: E402
from services.channels import store_skus  # noqa: E402


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def sold_skus(store: Store) -> set[str]:
    return {product.final_sku(row) for product in store.products.values() for row in product.inventories}


def read(label: str, store: Store, base_url: str, remembered: dict | None, floor: int) -> tuple[bool, dict]:
    store.calls.reset()
    with BrightSitesClient(store.domain, store.token, route_to=base_url) as client:
        started = time.perf_counter()
        result = store_skus.read(client, remembered)
        elapsed = time.perf_counter() - started
    complete = set(result.skus) == sold_skus(store)
    print(
        f"[{label}] {len(result.skus)} SKUs ({'complete' if complete else 'INCOMPLETE'}); calls "
        f"{client.calls} (simulator counted {store.calls.total}), floor {floor}; {elapsed:.2f} s"
    )
    return complete and client.calls <= floor, result.remembered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--vendor-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    registry = StoreRegistry()
    spec = StoreSpec(
        subdomain="bench", seed=args.seed, products=args.products, orders=0, vendor_rate=args.vendor_rate
    )
    store = build_store(spec)
    registry.add(store)
    server = make_server(
        "127.0.0.1", 0, create_sandbox_app(registry), threaded=True, request_handler=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_port}"

    products = len(store.products)
    managed = sum(1 for p in store.products.values() if p.vendor_inventory_enabled)
    rows = sum(len(p.inventories) for p in store.products.values() if not p.vendor_inventory_enabled)
    listings = math.ceil(rows / 500) + math.ceil(products / 500)
    print(f"store: {products} products ({managed} vendor-managed), {rows} rows in /inventories")
    print(f"showing every product instead: {math.ceil(products / 500) + products} calls on every read")
    try:
        first_ok, remembered = read("first read", store, base_url, None, listings + managed)
        refresh_ok, _ = read("refresh, nothing changed", store, base_url, remembered, listings)
    finally:
        server.shutdown()
        server.server_close()
    return 0 if first_ok and refresh_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
