"""`python -m sandbox --port 5001 --demo`: run the Bright Sites simulator on loopback."""

from __future__ import annotations

import argparse
import logging

from werkzeug.serving import make_server

from sandbox.app import create_sandbox_app
from sandbox.demo import DEMO_PRODUCTS, DEMO_READONLY_TOKEN, DEMO_SHOP_DOMAIN, DEMO_TOKEN, add_demo_store
from sandbox.store import StoreRegistry


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Bright Sites API simulator")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (loopback only)")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--demo", action="store_true", help="create the demo store demo.mybrightsites.com")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error("the simulator has no authentication on /__sandbox; it only listens on loopback")

    registry = StoreRegistry()
    # Listening before anything is printed: the banner tells a script (and the tests) the port is ready.
    server = make_server(args.host, args.port, create_sandbox_app(registry), threaded=True)
    if args.demo:
        store = add_demo_store(registry)
        counts = f"products 1-{DEMO_PRODUCTS} of the demo catalog, {len(store.orders)} orders"
        print(f"Demo store:  {DEMO_SHOP_DOMAIN}  ({counts})")
        print(f"Token (read/write): {DEMO_TOKEN}")
        print(f"Token (read-only):  {DEMO_READONLY_TOKEN}")
    base_url = f"http://{args.host}:{args.port}"
    print(
        f"Bright Sites simulator on {base_url} (API /api/v2.7.0, store chosen by Host header; "
        f"admin {base_url}/__sandbox/stores)",
        flush=True,
    )
    logging.basicConfig(level=logging.INFO)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
