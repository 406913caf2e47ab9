"""Helpers for order push tests: the app served over real HTTP (the simulator pushes to it), a channel with
push on, and the simulator's Push Orders add-on pointed at it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import WSGIRequestHandler, make_server

from extensions import db
from models.channels import SalesChannel
from services.order_push import settings


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def served(app) -> Iterator[str]:
    """The app on an ephemeral loopback port, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="techoms-intake", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def turn_push_on(channel: SalesChannel) -> str:
    """Push on for the channel; returns the intake path (with its secret)."""
    setting, secret = settings.turn_on(channel, None)
    db.session.commit()
    return f"/intake/brightsites/{setting.public_id}/{secret}"


def point_store_at(simulator, store, url: str, **faults) -> dict:
    return simulator.admin("PUT", f"/stores/{store.subdomain}/push", {"url": url, **faults})


def wait_for_pushes(simulator, store) -> dict:
    # The simulator answers as soon as every queued push was sent; the timeout only guards against a hang.
    answer = simulator.admin("POST", f"/stores/{store.subdomain}/push/wait", {"timeout": 240}, timeout=300)
    assert answer["finished"], answer
    return answer


def payload(simulator, store, order_id: int) -> dict:
    """The order's Show Order JSON as a push carries it now (not billed)."""
    return simulator.admin("GET", f"/stores/{store.subdomain}/orders/{order_id}/payload")
