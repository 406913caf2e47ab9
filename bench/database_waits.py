"""What the app's PostgreSQL connections are doing, sampled from `pg_stat_activity` while a bench runs: each
process names its connections (`techoms-web`, `techoms-worker`, `techoms-cron`: DATABASE_APPLICATION_NAME),
so a sample says whether a page's statement was running or waiting on a lock, and which lock.

A thread of its own reads the view every `interval` seconds on a connection of its own; `report()` prints,
per process kind, how many samples found a statement active and the share of each wait (`running` when
PostgreSQL reported none: on a CPU, or waiting for one)."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict

from sqlalchemy import create_engine, text

_ACTIVE = text(
    "SELECT application_name, coalesce(wait_event_type || ':' || wait_event, 'running'),"
    " left(regexp_replace(query, '\\s+', ' ', 'g'), 60) FROM pg_stat_activity"
    " WHERE datname = current_database() AND application_name LIKE 'techoms-%' AND state = 'active'"
)


class DatabaseWaits(threading.Thread):
    def __init__(self, url: str, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self._engine = create_engine(url, pool_size=1)
        self._interval = interval
        self._finished = threading.Event()  # not `_stop`: threading.Thread has a method of that name
        self.samples = 0
        self.seen: dict[str, Counter[str]] = defaultdict(Counter)
        self.blocked: dict[str, Counter[str]] = defaultdict(Counter)  # statements found waiting on a lock

    def run(self) -> None:
        with self._engine.connect() as connection:
            while not self._finished.wait(self._interval):
                rows = connection.execute(_ACTIVE).all()
                connection.commit()  # each sample its own snapshot of the view
                self.samples += 1
                for application, wait, statement in rows:
                    self.seen[application][wait] += 1
                    if wait.startswith("Lock:"):
                        self.blocked[application][statement] += 1

    def stop(self) -> None:
        """Idempotent: the bench stops it once measured, and again on its way out after an error."""
        self._finished.set()
        if self.is_alive():
            self.join(10)
        self._engine.dispose()

    def report(self) -> None:
        print(f"database waits: {self.samples} samples of pg_stat_activity (active statements of the app)")
        for application, waits in sorted(self.seen.items()):
            total = sum(waits.values())
            shares = ", ".join(f"{wait} {count / total:.0%}" for wait, count in waits.most_common(6))
            locks = sum(count for wait, count in waits.items() if wait.startswith("Lock:"))
            print(f"  {application}: {total} active in all; {shares}; on a lock {locks / total:.1%}")
            for statement, count in self.blocked[application].most_common(3):
                print(f"    waiting on a lock in {count} samples: {statement}")
