"""What the pages spent on the server, from the web process's access lines (web/request_costs.py): per page,
the server's wall time, the CPU time of the thread serving it, the time it was ready but waited for a CPU
(Linux's scheduler statistics), the database statements and their time (a lock wait is inside a statement),
and the rest (Redis, the network; a sync gunicorn worker serves one request at a time, so never a pooled
connection). Beside the client's p95 (locust), the difference is the time a request queued before a web
worker took it."""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

_ID = re.compile(r"/\d+(?=/|$)")


def page_of(path: str) -> str:
    return _ID.sub("/:id", path)


def access_lines(log: Path) -> list[dict]:
    lines = []
    for raw in log.read_text(errors="replace").splitlines():
        if not raw.startswith("{"):
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if record.get("logger") == "techoms.access" and "cpu_ms" in record:
            lines.append(record)
    return lines


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


@dataclass(frozen=True)
class RequestCosts:
    """One access line's wall time split without overlap: the serving thread on a CPU, ready but waiting for
    one (inside a statement too), in database statements less that wait, and the rest."""

    wall: float
    cpu: float
    cpu_wait: float
    db: float  # the statements' time less the CPU wait inside them: the database's own time and the wire
    statements: int

    @classmethod
    def of(cls, record: dict) -> RequestCosts:
        db = record["db_ms"] - record.get("cpu_wait_in_db_ms", 0.0)
        return cls(
            record["duration_ms"],
            record["cpu_ms"],
            record.get("cpu_wait_ms", 0.0),
            db,
            record["db_statements"],
        )

    @property
    def rest(self) -> float:
        return max(0.0, self.wall - self.cpu - self.cpu_wait - self.db)


def print_costs(log: Path) -> None:
    by_page: dict[str, list[RequestCosts]] = defaultdict(list)
    for record in access_lines(log):
        by_page[f"{record['method']} {page_of(record['path'])}"].append(RequestCosts.of(record))
    if not by_page:
        print(f"server side: no access line with costs in {log}")
        return
    print(
        f"server side (access lines): {'page':<34} {'n':>5} {'wall p50':>8} {'wall p95':>8} {'cpu p95':>8} "
        f"{'runq p95':>8} {'db p95':>7} {'stmts':>5} {'rest p95':>8}"
    )
    every = [costs for page in by_page.values() for costs in page]
    for page, requests in sorted(by_page.items()):
        walls = [r.wall for r in requests]
        print(
            f"{'':<28}{page[:34]:<34} {len(requests):>5} {statistics.median(walls):>8.1f} {p95(walls):>8.1f} "
            f"{p95([r.cpu for r in requests]):>8.1f} {p95([r.cpu_wait for r in requests]):>8.1f} "
            f"{p95([r.db for r in requests]):>7.1f} "
            f"{statistics.median(r.statements for r in requests):>5.0f} "
            f"{p95([r.rest for r in requests]):>8.1f}"
        )
    wall = sum(r.wall for r in every)
    if wall:
        print(
            f"server time in all: {sum(r.cpu for r in every) / wall:.0%} CPU of the serving thread, "
            f"{sum(r.cpu_wait for r in every) / wall:.0%} ready but waiting for a CPU (run queue), "
            f"{sum(r.db for r in every) / wall:.0%} in database statements (their own CPU wait left out), "
            f"{sum(r.rest for r in every) / wall:.0%} the rest (Redis, network)"
        )
