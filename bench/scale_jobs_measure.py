"""What bench/scale_jobs.py measures of one job: wall time, SQL statements (counted by a SQLAlchemy
`before_cursor_execute` listener on the engine), the store's billed calls (the simulator's counter), and the
process's peak RSS during the job (VmHWM, reset before the job through /proc/self/clear_refs) over its RSS
before it. The slowest statements are kept, so a statement whose cost grows with a table shows by name."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

SLOWEST_KEPT = 3


@dataclass
class Measured:
    label: str
    seconds: float = 0.0
    statements: int = 0
    billed: int = 0
    rss_before: int = 0
    rss_peak: int = 0
    items: int = 0  # what the job handled (orders, packages, rows ...), for a rate
    unit: str = ""
    slowest: list[tuple[float, str]] = field(default_factory=list)

    @property
    def rss_growth(self) -> int:
        return max(0, self.rss_peak - self.rss_before)

    def row(self) -> str:
        rate = f"{self.items / self.seconds:,.0f} {self.unit}/s" if self.items and self.seconds else ""
        return (
            f"  {self.label:<44} {self.seconds:8.2f} s {self.statements:>7,} stmts {self.billed:>6,} billed"
            f"  RSS {self.rss_before / 2**20:6.0f} MB, peak +{self.rss_growth / 2**20:5.0f} MB"
            + (f"  {self.items:,} {self.unit} ({rate})" if self.items else "")
        )


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak_rss() -> None:
    """Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+)."""
    with suppress(OSError):  # not Linux: the peak is then the process's lifetime peak
        Path("/proc/self/clear_refs").write_text("5")


class StatementCounter:
    """Counts the engine's statements and times each (before/after cursor execute)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        self.timings: list[tuple[float, str]] = []
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn, _cursor, _statement, _params, _context, _executemany) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def _after(self, _conn, _cursor, statement, _params, _context, _executemany) -> None:
        self.timings.append((time.perf_counter() - self._started, " ".join(statement.split())))

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


@contextmanager
def measure(engine: Engine, label: str, billed: Callable[[], int] | None = None) -> Iterator[Measured]:
    """Measure the block; `billed` reads the store's counter after it (the caller reset it before)."""
    result = Measured(label)
    counter = StatementCounter(engine)
    _reset_peak_rss()
    result.rss_before = _status_kb("VmRSS:")
    started = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - started
        result.rss_peak = _status_kb("VmHWM:")
        counter.close()
        result.statements = counter.count
        result.slowest = sorted(counter.timings, reverse=True)[:SLOWEST_KEPT]
    if billed is not None:
        result.billed = billed()
