"""What the pages spent on the server, from the web process's access lines (web/request_costs.py): per page,
the server's wall time, the CPU time of the thread serving it, the database statements and their time, and
the rest — waiting for the CPU on a busy machine, a pooled connection, a lock or Redis. Beside the client's
p95 (locust), the difference is the time a request queued before a web worker took it."""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
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


def print_costs(log: Path) -> None:
    by_page: dict[str, list[dict]] = defaultdict(list)
    for record in access_lines(log):
        by_page[f"{record['method']} {page_of(record['path'])}"].append(record)
    if not by_page:
        print(f"server side: no access line with costs in {log}")
        return
    print(
        f"server side (access lines): {'page':<34} {'n':>5} {'wall p50':>8} {'wall p95':>8} {'cpu p95':>8} "
        f"{'db p95':>7} {'stmts':>5} {'wait p95':>8}"
    )
    wall_total = cpu_total = db_total = 0.0
    for page, records in sorted(by_page.items()):
        walls = [r["duration_ms"] for r in records]
        waits = [max(0.0, r["duration_ms"] - r["cpu_ms"] - r["db_ms"]) for r in records]
        wall_total += sum(walls)
        cpu_total += sum(r["cpu_ms"] for r in records)
        db_total += sum(r["db_ms"] for r in records)
        print(
            f"{'':<28}{page[:34]:<34} {len(records):>5} {statistics.median(walls):>8.1f} {p95(walls):>8.1f} "
            f"{p95([r['cpu_ms'] for r in records]):>8.1f} {p95([r['db_ms'] for r in records]):>7.1f} "
            f"{statistics.median(r['db_statements'] for r in records):>5.0f} {p95(waits):>8.1f}"
        )
    if wall_total:
        waiting = max(0.0, 1 - (cpu_total + db_total) / wall_total)
        print(
            f"server time in all: {cpu_total / wall_total:.0%} CPU of the serving thread, "
            f"{db_total / wall_total:.0%} in database statements, "
            f"{waiting:.0%} waiting (CPU run queue, pool, locks, Redis)"
        )
