"""Every request's log context and its one access line.

A request id comes from the `X-Request-ID` header when it is sane (a load balancer's), else a new one; it is
echoed in the answer and carried by every line logged while the request runs, with the client address, the
user and the account once they are known. The access line names the path without its query string, and with
the secret segment of secret-carrying paths masked (observability.redaction), and says what the request spent
(web/request_costs.py: CPU, database statements and their time)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from observability import log_context
from observability.redaction import redact_path
from web import request_costs

access_log = logging.getLogger("techoms.access")
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(header: str | None) -> str:
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def request_fields() -> dict[str, Any]:
    """The log context of the current request; reads only what the request already loaded (no query)."""
    if not has_request_context():
        return {}
    user = g.get("_login_user")  # Flask-Login's cache: set once something asked for the user
    account = g.get("account")
    return {
        "request_id": g.get("request_id"),
        "ip": request.remote_addr,
        "user_id": user.id if user is not None and user.is_authenticated else None,
        "account_id": account.id if account is not None else None,
    }


def init_app(app: Flask) -> None:
    """Register before every other hook, so even a refused request has its id."""
    log_context.add_provider(request_fields)

    @app.before_request
    def start_request_log() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()
        request_costs.start()

    @app.after_request
    def finish_request_log(response: Response) -> Response:
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        path = redact_path(request.path)
        access_log.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                **request_costs.fields(),
            },
        )
        return response
