"""What happens to every simulated API request before its handler runs: pick the store from the Host header,
count the billable call, apply the store's faults, check the token;
and after it: a "drop_after" fault closes the connection once the handler has done its work, and the request
stops counting as in progress."""

from __future__ import annotations

import contextlib
import socket
import time

from flask import Response, current_app, g, jsonify, request

from sandbox.errors import ApiError
from sandbox.faults import STALL_LIMIT_SECONDS
from sandbox.store import Store, StoreRegistry

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
METADATA_URL = "http://169.254.169.254/latest/meta-data/"
_RAILS_500_PAGE = "<html><body><h1>We're sorry, but something went wrong.</h1></body></html>"


def registry() -> StoreRegistry:
    return current_app.extensions["sandbox_registry"]


def current_store() -> Store:
    return g.store


def presented_token() -> str | None:
    return request.headers.get("X-API-TOKEN") or request.args.get("token") or None


def _drop_connection() -> Response:
    """Close the socket without answering; werkzeug then treats the write as a dropped connection."""
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    return Response(b"", status=500)


def _apply_fault(store: Store, outcome: str) -> Response | None:
    if outcome == "500":
        return Response(_RAILS_500_PAGE, status=500, mimetype="text/html")
    if outcome == "error_after":
        g.error_after_handler = True  # the handler runs (and writes); after_api_request answers 500
        return None
    if outcome in ("429", "write_429"):
        response = jsonify({"errors": {"base": "Too many requests"}})
        response.status_code = 429
        response.headers["Retry-After"] = store.faults.config.retry_after
        return response
    if outcome == "drop":
        return _drop_connection()
    if outcome == "drop_after":
        g.drop_after_handler = True  # the handler runs (and writes); after_api_request drops the answer
        return None
    if outcome == "timeout":
        time.sleep(store.faults.config.timeout_seconds)
        return None  # answer normally, late: the client has usually given up by then
    if outcome == "redirect":
        return Response("", status=302, headers={"Location": METADATA_URL})
    return None


def _wait_while_stalled(store) -> None:
    deadline = time.monotonic() + STALL_LIMIT_SECONDS
    while store.faults.config.stalled and time.monotonic() < deadline:
        time.sleep(0.02)


def before_api_request() -> Response | None:
    store = registry().for_host(request.host)
    if store is None:
        raise ApiError(404, {"base": "Store not found"})
    g.store = store
    token = presented_token()
    access = store.token_access(token)
    counted_as = token if access else ("(unknown)" if token else None)
    with store.lock:
        route = f"{request.method} {request.url_rule.rule}" if request.url_rule else ""
        store.calls.count(counted_as, route)
        store.in_progress += 1
    g.in_progress_store = store  # end_api_request counts it answered, whatever happens from here
    config = store.faults.config
    wait = store.faults.over_rate()
    if wait is not None:
        response = jsonify({"errors": {"base": "Too many requests"}})
        response.status_code = 429
        response.headers["Retry-After"] = str(wait)
        return response
    if config.latency_ms:
        time.sleep(config.latency_ms / 1000)
    if config.stalled:
        _wait_while_stalled(store)
    outcome = store.faults.next_outcome(write=request.method in WRITE_METHODS)
    if outcome is not None:
        with store.lock:
            store.calls.count_fault(counted_as)
        response = _apply_fault(store, outcome)
        if response is not None:
            return response
    if access is None:
        raise ApiError(401, {"token": "Invalid or missing API token"})
    if access == "ro" and request.method in WRITE_METHODS:
        raise ApiError(403, {"token": "This API token is read-only"})
    return None


def end_api_request(_error: BaseException | None) -> None:
    """The request's handler is done (its writes made, its answer ready): no longer in progress."""
    store = g.pop("in_progress_store", None)
    if store is not None:
        with store.lock:
            store.in_progress -= 1


def after_api_request(response: Response) -> Response:
    """The store did what was asked, then the connection broke before the answer went out."""
    if g.get("drop_after_handler"):
        return _drop_connection()
    if g.get("error_after_handler"):
        return Response(_RAILS_500_PAGE, status=500, mimetype="text/html")
    return response
