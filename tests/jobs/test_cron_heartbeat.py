"""The cron process leaves a heartbeat each tick it runs; a second cron process (no lock) leaves none."""

from __future__ import annotations

from jobs.cron import LOCK_NAME, TICK_SECONDS, tick_if_leader
from models.base import utcnow
from services import cron_heartbeat
from tests.support.sync import redis


def test_the_lock_holder_ticks_and_beats(app):
    assert cron_heartbeat.age_seconds(redis(), utcnow()) is None
    leader = redis().lock(LOCK_NAME, timeout=TICK_SECONDS * 3)
    other = redis().lock(LOCK_NAME, timeout=TICK_SECONDS * 3)
    assert tick_if_leader(app, redis(), leader) is True
    first = redis().get(cron_heartbeat.HEARTBEAT_KEY)
    assert first is not None
    assert tick_if_leader(app, redis(), other) is False
    assert redis().get(cron_heartbeat.HEARTBEAT_KEY) == first
    assert tick_if_leader(app, redis(), leader) is True  # still the leader on its next turn
    assert 0 < redis().ttl(cron_heartbeat.HEARTBEAT_KEY) <= cron_heartbeat.KEY_TTL_SECONDS
