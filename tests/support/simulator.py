"""Pytest fixtures that run the Bright Sites simulator (sandbox/) on an ephemeral loopback port.

`simulator` (session): a real threaded HTTP server plus helpers around its /__sandbox admin endpoints.
`bs_store` (function): a fresh small store with a unique subdomain, so tests never share state.
`demo_simulator` (function): another simulator holding only the demo store, as `make run` starts it; a test
module routes the app to it by overriding `app_config` with its URL.

tests/conftest.py registers this module as a pytest plugin, so every test folder has both fixtures.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from werkzeug.serving import WSGIRequestHandler, make_server

from connectors.brightsites import BrightSitesClient
from sandbox.app import create_sandbox_app
from sandbox.demo import add_demo_store
from sandbox.store import StoreRegistry


class _QuietHandler(WSGIRequestHandler):
    """No access log: the simulator's own log line would carry legacy `?token=` values into caplog."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass(frozen=True)
class StoreHandle:
    subdomain: str
    domain: str
    token: str
    readonly_token: str


class Simulator:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._http = requests.Session()
        self._http.trust_env = False
        self._names = itertools.count(1)

    def admin(self, method: str, path: str, json: Any = None, timeout: float = 30) -> Any:
        """Call a /__sandbox endpoint; raises for non-2xx answers."""
        response = self._http.request(method, f"{self.base_url}/__sandbox{path}", json=json, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def unique_subdomain(self, prefix: str = "store") -> str:
        return f"{prefix}{next(self._names)}-{threading.get_ident() % 10_000}"

    def create_store(self, subdomain: str | None = None, **spec: Any) -> StoreHandle:
        """spec: seed, products, orders, gift_rate, moas_rate, vendor_rate, vendor_managed, now, ..."""
        body = {"subdomain": subdomain or self.unique_subdomain(), **spec}
        info = self.admin("POST", "/stores", body)
        return StoreHandle(info["subdomain"], info["domain"], info["token"], info["readonly_token"])

    def set_faults(self, store: StoreHandle, **faults: Any) -> dict[str, Any]:
        return self.admin("PUT", f"/stores/{store.subdomain}/faults", faults)

    def reset_faults(self, store: StoreHandle) -> dict[str, Any]:
        return self.admin("DELETE", f"/stores/{store.subdomain}/faults")

    def calls(self, store: StoreHandle) -> dict[str, Any]:
        return self.admin("GET", f"/stores/{store.subdomain}/calls")

    def reset_calls(self, store: StoreHandle) -> None:
        self.admin("DELETE", f"/stores/{store.subdomain}/calls")

    def mutate_order(self, store: StoreHandle, order_id: int, action: str, **body: Any) -> dict[str, Any]:
        """action: "edit" (customer changes a line), "status" (status=...), "cancel"."""
        return self.admin("POST", f"/stores/{store.subdomain}/orders/{order_id}/{action}", body)

    def add_order(self, store: StoreHandle, **body: Any) -> int:
        return self.admin("POST", f"/stores/{store.subdomain}/orders", body)["order_id"]

    def change_product(self, store: StoreHandle, product_id: int, **fields: Any) -> dict[str, Any]:
        """The merchant edits a product in the store admin (e.g. vendor_inventory_enabled=True)."""
        return self.admin("PUT", f"/stores/{store.subdomain}/products/{product_id}", fields)

    def inspect_order(self, store: StoreHandle, order_id: int) -> dict[str, Any]:
        return self.admin("GET", f"/stores/{store.subdomain}/orders/{order_id}")

    def client(
        self, store: StoreHandle, *, readonly: bool = False, token: str | None = None, **options: Any
    ) -> BrightSitesClient:
        """A client routed to this simulator; retries sleep nowhere unless a `sleep` is given."""
        options.setdefault("sleep", lambda _seconds: None)
        token = token or (store.readonly_token if readonly else store.token)
        return BrightSitesClient(store.domain, token, route_to=self.base_url, **options)

    def raw(
        self, store: StoreHandle, method: str, path: str, *, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        """A plain HTTP request to the API as the store's host (for contract tests of the simulator)."""
        headers = {"Host": store.domain, **kwargs.pop("headers", {})}
        if token is not None:
            headers["X-API-TOKEN"] = token
        return self._http.request(
            method, f"{self.base_url}/api/v2.7.0{path}", headers=headers, timeout=30, **kwargs
        )


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    server = make_server("127.0.0.1", 0, create_sandbox_app(), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="bright-sites-simulator", daemon=True)
    thread.start()
    try:
        yield Simulator(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def bs_store(simulator: Simulator) -> StoreHandle:
    """A fresh store: 6 products (one vendor-managed), 12 orders, fixed seed."""
    return simulator.create_store(
        seed=7, products=6, orders=12, vendor_managed=[6], gift_rate=0.3, moas_rate=0.1
    )


@pytest.fixture
def demo_simulator() -> Iterator[str]:
    """The simulator as `make run` starts it (`python -m sandbox --demo`: the demo store, which answers for
    DEMO_SHOP_DOMAIN), on an ephemeral port; its base URL."""
    registry = StoreRegistry()
    add_demo_store(registry)
    server = make_server("127.0.0.1", 0, create_sandbox_app(registry), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
