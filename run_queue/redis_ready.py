"""Waiting for Redis when a process starts: `make run` starts the embedded Redis beside the worker and the
webhook dispatcher, and on a busy machine its socket may appear a moment after they try to connect."""

from __future__ import annotations

import logging
import time

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

log = logging.getLogger("techoms.queue")

STARTUP_PATIENCE_SECONDS = 60.0


def wait_until_reachable(connection: Redis, patience: float = STARTUP_PATIENCE_SECONDS) -> None:
    """Returns once Redis answers a PING; raises its ConnectionError after `patience` seconds without one."""
    deadline = time.monotonic() + patience
    said = False
    while True:
        try:
            connection.ping()
            return
        except RedisConnectionError:
            if time.monotonic() >= deadline:
                raise
            if not said:
                log.info("waiting for Redis to answer before starting")
                said = True
            time.sleep(0.25)
