"""The cron process's heartbeat in Redis: written each tick, read by readiness and the metrics.

Several machines share one Redis, so any web process can tell whether the one cron is alive. The key
expires on its own after a day: a cron gone for longer reads as never seen."""

from __future__ import annotations

from datetime import datetime

from redis import Redis

HEARTBEAT_KEY = "techoms:cron:heartbeat"
KEY_TTL_SECONDS = 24 * 60 * 60


def beat(redis: Redis, now: datetime) -> None:
    redis.set(HEARTBEAT_KEY, f"{now.timestamp():.3f}", ex=KEY_TTL_SECONDS)


def age_seconds(redis: Redis, now: datetime) -> float | None:
    """Seconds since the last tick; None when the cron has not ticked (in the last day)."""
    raw = redis.get(HEARTBEAT_KEY)
    if raw is None:
        return None
    return max(0.0, now.timestamp() - float(raw))
