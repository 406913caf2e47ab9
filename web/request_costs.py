"""What a request spent, for its access line: CPU time of the thread serving it, and the database statements
it ran with their time. Wall time less those two is waiting: for the CPU (a busy machine), a pooled
connection, a lock, Redis. Read by `bench/load.py` to say what the pages wait on under load.

The statement hooks listen on every Engine (class-level events), and count only inside a request: the
engine a request uses may be created after the app."""

from __future__ import annotations

import time
from typing import Any

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

_STARTED = "_techoms_statement_started"


def start() -> None:
    g.request_cpu_started = time.thread_time()
    g.request_statements = 0
    g.request_db_seconds = 0.0


def fields() -> dict[str, Any]:
    """The costs of the request so far, for its access line."""
    cpu_started = g.get("request_cpu_started")
    if cpu_started is None:
        return {}
    return {
        "cpu_ms": round((time.thread_time() - cpu_started) * 1000, 1),
        "db_ms": round(g.get("request_db_seconds", 0.0) * 1000, 1),
        "db_statements": g.get("request_statements", 0),
    }


@event.listens_for(Engine, "before_cursor_execute")
def _before(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001  the event's signature
    if has_request_context():  # workers and the cron run statements too: they have no access line
        conn.info[_STARTED] = time.perf_counter()


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
    started = conn.info.pop(_STARTED, None)
    if started is None or not has_request_context() or "request_cpu_started" not in g:
        return
    g.request_statements += 1
    g.request_db_seconds += time.perf_counter() - started
