"""Machine-to-machine requests — the host-system API (/api/...) and the order push intake (/intake/...): no
session at all, and errors as JSON.

An API request authenticates by its key alone. It opens no session, so a browser's session cookie is neither
read (it cannot act for the logged-in user) nor refreshed (API calls do not keep a web login alive), and the
answer sets no cookie. With no cookie in play there is nothing for CSRF to protect (the API is exempt). The
intake authenticates by the secret in its URL, the same way: no session, no cookie, exempt from CSRF.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import Flask, Request, Response, jsonify, request
from flask.sessions import SecureCookieSessionInterface

API_PATH_PREFIX = "/api/"
INTAKE_PATH_PREFIX = "/intake/"
# The load balancer's and the monitoring's probes: no cookie read or set either.
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/readyz/cron", "/metrics"})
API_MESSAGES = {
    400: "The request could not be read.",
    401: "An API key is required.",
    403: "This API key may not do this.",
    404: "There is nothing at this path, or it belongs to another account.",
    405: "This path does not accept that method.",
    413: "The request body is too large.",
    415: "Send the body as JSON (Content-Type: application/json).",
    429: "Too many requests; wait and try again.",
    500: "An unexpected error happened. It has been logged; nothing was saved.",
    503: "Busy for a moment; nothing was saved. Send it again.",
}


def is_api_path(path: str) -> bool:
    return (
        path == API_PATH_PREFIX.rstrip("/")
        or path.startswith(API_PATH_PREFIX)
        or path.startswith(INTAKE_PATH_PREFIX)
    )


def is_api_request() -> bool:
    return is_api_path(request.path)


def is_sessionless_path(path: str) -> bool:
    """The API and the probes: no session, so errors are answered as JSON, never as a page."""
    return is_api_path(path) or path in PROBE_PATHS


def is_sessionless_request() -> bool:
    return is_sessionless_path(request.path)


def json_error(
    status: int, errors: Mapping[str, Sequence[str]], headers: Mapping[str, str] | None = None
) -> Response:
    """`{"errors": {"<field>": ["message", ...]}}` (Bright Sites' shape too); `request` for the whole."""
    response = jsonify({"errors": {name: list(messages) for name, messages in errors.items()}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def api_error(status: int) -> Response:
    """A whole-request error (no field to blame) with the standard text for its status."""
    return json_error(status, {"request": [API_MESSAGES.get(status, "The request failed.")]})


class SessionlessApiInterface(SecureCookieSessionInterface):
    """The signed-cookie session of the web pages; API and probe paths get the null session (never saved)."""

    def open_session(self, app: Flask, request: Request):
        if is_sessionless_path(request.path):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = SessionlessApiInterface()
