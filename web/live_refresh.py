"""How often a panel that shows run results asks for itself again: every few seconds while a run of its
channels is queued or running, then backing off while nothing runs (a scheduled run may start at any minute,
but an idle page left open all day should cost the server little). The panel carries its own next delay: the
server answers each poll with the panel and the delay of the poll after it (`hx-trigger="load delay:Ns"`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import request

from models.activity import SyncRun

ACTIVE_SECONDS = 2
IDLE_SECONDS = (5, 10, 20, 40, 60)  # the n-th idle poll in a row waits IDLE_SECONDS[n] (the last one repeats)


@dataclass(frozen=True)
class Poll:
    seconds: int
    idle: int  # idle polls in a row so far: sent back with the next poll

    @property
    def trigger(self) -> str:
        return f"load delay:{self.seconds}s"


def next_poll(active: bool, idle: int | None = None) -> Poll:
    """The poll after this answer; `idle` is how many idle polls came before (the request's `idle` argument
    when None)."""
    if active:
        return Poll(ACTIVE_SECONDS, 0)
    if idle is None:
        idle = max(0, min(request.args.get("idle", 0, type=int), len(IDLE_SECONDS)))
    return Poll(IDLE_SECONDS[min(idle, len(IDLE_SECONDS) - 1)], idle + 1)


def poll_after(runs: Iterable[SyncRun]) -> Poll:
    """The next poll of a panel showing `runs` (a template global: the channel list and the overview)."""
    return next_poll(any(not run.status.is_final for run in runs))
