"""What a request spent, for its access line: CPU time of the thread serving it, the time it was ready to run
but waited for a CPU (Linux's per-thread scheduler statistics; absent elsewhere), and the database
statements it ran with their time (a lock wait in PostgreSQL is inside a statement's time). A thread waits
for a CPU inside a statement too, once the database's answer has arrived: that part is also reported on its
own (`cpu_wait_in_db_ms`), so the figures split the wall time without counting anything twice. Wall time
less them is the rest: Redis, the network. Read by `bench/load.py` to say what the pages wait on under load.

The statement hooks listen on every Engine (class-level events), and count only inside a request: the
engine a request uses may be created after the app."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

_STARTED = "_techoms_statement_started"
_SCHEDSTAT = Path("/proc/thread-self/schedstat")  # "<on CPU ns> <waiting for a CPU ns> <time slices>"


def _run_queue_ns() -> int | None:
    """Nanoseconds this thread has spent ready to run but without a CPU; None where Linux does not say."""
    try:
        return int(_SCHEDSTAT.read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None


def start() -> None:
    g.request_cpu_started = time.thread_time()
    g.request_run_queue_started = _run_queue_ns()
    g.request_statements = 0
    g.request_db_seconds = 0.0
    g.request_db_run_queue_ns = 0


def fields() -> dict[str, Any]:
    """The costs of the request so far, for its access line."""
    cpu_started = g.get("request_cpu_started")
    if cpu_started is None:
        return {}
    costs = {
        "cpu_ms": round((time.thread_time() - cpu_started) * 1000, 1),
        "db_ms": round(g.get("request_db_seconds", 0.0) * 1000, 1),
        "db_statements": g.get("request_statements", 0),
    }
    waited_from, waited_to = g.get("request_run_queue_started"), _run_queue_ns()
    if waited_from is not None and waited_to is not None:
        costs["cpu_wait_ms"] = round((waited_to - waited_from) / 1e6, 1)
        costs["cpu_wait_in_db_ms"] = round(g.get("request_db_run_queue_ns", 0) / 1e6, 1)
    return costs


@event.listens_for(Engine, "before_cursor_execute")
def _before(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001  the event's signature
    if has_request_context():  # workers and the cron run statements too: they have no access line
        conn.info[_STARTED] = (time.perf_counter(), _run_queue_ns())


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
    started = conn.info.pop(_STARTED, None)
    if started is None or not has_request_context() or "request_cpu_started" not in g:
        return
    began, run_queue_began = started
    g.request_statements += 1
    g.request_db_seconds += time.perf_counter() - began
    run_queue_now = _run_queue_ns()
    if run_queue_began is not None and run_queue_now is not None:
        g.request_db_run_queue_ns += run_queue_now - run_queue_began
