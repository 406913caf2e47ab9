"""What RQ still holds after a chaos run, read with plain Redis commands (RQ's key layout), each job named.

* queued: job ids in a queue's list — work nobody did yet;
* started: entries of a started registry (`rq:wip:<queue>`, `<job id>:<execution id>`) whose worker is
  alive — work still being done;
* orphaned: started entries whose worker process is gone (SIGKILLed by the bench: it cannot say it stopped).
  RQ keeps such an entry until its heartbeat time-out, then a worker's maintenance moves it to the failed
  registry; the engine's sweeper already ended or queued again its run (the runs check says whether).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import redis
from redis.exceptions import RedisError


@dataclass
class Leftovers:
    queued: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def work_left(self) -> int:
        return len(self.queued) + len(self.started)

    def describe(self) -> str:
        if self.error:
            return f"Redis unreadable ({self.error})"
        parts = [
            f"{len(self.queued)} queued{_listed(self.queued)}",
            f"{len(self.started)} started by a live worker{_listed(self.started)}",
            f"{len(self.orphaned)} orphaned by a killed worker{_listed(self.orphaned)}",
        ]
        return "; ".join(parts)


def _listed(jobs: list[str]) -> str:
    return f" ({', '.join(jobs[:5])})" if jobs else ""


def _text(value: bytes | None) -> str:
    return value.decode() if value else ""


def leftovers(redis_url: str, live_pids: Iterable[int]) -> Leftovers:
    """The jobs left in Redis; `live_pids` are the worker processes running now."""
    live = set(live_pids)
    client = redis.Redis.from_url(redis_url)
    found = Leftovers()
    try:
        for key in client.scan_iter("rq:queue:*"):
            if client.type(key) == b"list":
                found.queued += [_named(client, _text(job_id)) for job_id in client.lrange(key, 0, -1)]
        for key in client.scan_iter("rq:wip:*"):
            if client.type(key) != b"zset":
                continue
            for member in client.zrange(key, 0, -1):
                job_id = _text(member).split(":", 1)[0]
                worker = _text(client.hget(f"rq:job:{job_id}", "worker_name"))
                pid = _text(client.hget(f"rq:worker:{worker}", "pid")) if worker else ""
                alive = pid.isdigit() and int(pid) in live
                (found.started if alive else found.orphaned).append(_named(client, job_id))
    except RedisError as error:
        found.error = str(error)
    finally:
        client.close()
    return found


def _named(client: redis.Redis, job_id: str) -> str:
    """`job id` with its function and arguments (ids only: jobs take ids)."""
    description = _text(client.hget(f"rq:job:{job_id}", "description"))
    return f"{job_id[:8]} {description[:80]}" if description else job_id[:8]
