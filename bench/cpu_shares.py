"""Who used the machine's CPU while a bench ran: CPU seconds per kind of process (the web's gunicorn, the RQ
workers, PostgreSQL, locust, the simulator, Redis, the bench itself, the rest), against what the cores could
give in that time. A page that waits for a CPU (bench/request_costs_report.py) says how long; this says who
had it.

Each process's user + system time, its waited-for children's included (an RQ job runs in a forked child, a
PostgreSQL backend is the postmaster's child), read before and after with psutil. A process that ends in
between and whose parent does not wait for it is not counted: `add_children_cpu` adds what this process's own
children used (the locust run)."""

from __future__ import annotations

import os
import resource
import time

import psutil

KINDS = (  # the first match of a process's command line names its kind
    ("locust", "locust"),
    ("web (gunicorn)", "gunicorn"),
    ("sync workers (RQ)", "jobs.worker"),
    ("PostgreSQL", "postgres"),
    ("simulator", "sandbox"),
    ("simulator", "simulator"),
    ("Redis", "redis-server"),
)


def _kind(process: psutil.Process) -> str:
    if process.pid == os.getpid():
        return "the bench"
    try:
        command = " ".join(process.cmdline()) or process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return "other"
    return next((kind for kind, word in KINDS if word in command), "other")


def _seconds() -> dict[int, tuple[str, float]]:
    seen = {}
    for process in psutil.process_iter():
        try:
            times = process.cpu_times()
            used = times.user + times.system + times.children_user + times.children_system
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        seen[process.pid] = (_kind(process), used)
    return seen


def _own_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuShares:
    def __init__(self) -> None:
        self._before = _seconds()
        self._children_before = _own_children()
        self._started = time.monotonic()

    def report(self) -> None:
        elapsed = time.monotonic() - self._started
        after = _seconds()
        used: dict[str, float] = {}
        for pid, (kind, seconds) in after.items():
            _, before = self._before.get(pid, (kind, 0.0))
            used[kind] = used.get(kind, 0.0) + max(0.0, seconds - before)
        # The bench's own children that ended (locust): their time is in this process's children usage.
        used["locust"] = used.get("locust", 0.0) + (_own_children() - self._children_before)
        available = elapsed * (os.cpu_count() or 1)
        total = sum(used.values())
        print(
            f"CPU used while the users browsed: {total:.0f} of {available:.0f} CPU-seconds "
            f"({os.cpu_count()} cores × {elapsed:.0f} s, {total / available:.0%} busy)"
        )
        for kind, seconds in sorted(used.items(), key=lambda item: -item[1]):
            if seconds >= 0.5:
                print(f"  {kind:<20} {seconds:7.1f} s  {seconds / total:5.0%} of what was used")
