"""One call rate per Bright Sites store, shared by every worker and web process (security SYNC-07).

A token bucket in Redis, keyed by the shop domain, taken by one atomic Lua script: each caller reserves the
next free slot (the bucket may go below zero) and sleeps until it, so N workers together never send more
than `rate` calls a second after a burst of `burst`, and waiters are served in the order they came. A 429 with
Retry-After sets the store's "not before" instant, which every caller honours before taking a slot.

A wait longer than `max_wait` is not slept through (a worker must not block for minutes): the caller gets
RateLimited, which the sync engine treats like the store's own 429 and tries the run again later.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app
from redis import Redis

from connectors.brightsites.errors import RateLimited
from extensions import redis_client

KEY_PREFIX = "techoms:store-calls:"

# KEYS[1] bucket hash {tokens, ts}, KEYS[2] not-before instant. ARGV: now (seconds, "" = Redis time), rate,
# burst. Returns the seconds to wait: "nb:<s>" while the store asked for a pause (no slot was taken), or the
# wait for the reserved slot (0 = call now).
_TAKE = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local not_before = tonumber(redis.call('GET', KEYS[2]) or '0')
if not_before > now then
  return 'nb:' .. tostring(not_before - now)
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
  ts = now
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
local wait = 0
if tokens < 0 then wait = -tokens / rate end
redis.call('EXPIRE', KEYS[1], math.ceil(wait + burst / rate) + 60)
return tostring(wait)
"""

# KEYS[1] not-before instant. ARGV: now ("" = Redis time), seconds. Only ever moves the instant later.
_DEFER = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local until_ = now + tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > current then
  redis.call('SET', KEYS[1], tostring(until_), 'EX', math.ceil(tonumber(ARGV[2])) + 60)
end
return 1
"""


class StoreCallRate:
    """The CallGate of one store (connectors/brightsites/call_gate.py), backed by Redis."""

    def __init__(
        self,
        redis: Redis,
        shop_domain: str,
        *,
        rate: float,
        burst: int,
        max_wait: float,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("the store call rate needs rate > 0 and burst >= 1")
        self._redis = redis
        store = shop_domain.strip().lower()
        self._keys = [f"{KEY_PREFIX}{store}:bucket", f"{KEY_PREFIX}{store}:not-before"]
        self._rate = rate
        self._burst = burst
        self._max_wait = max_wait
        self._clock = clock  # None: Redis's clock, the same for every worker on every host
        self._sleep = sleep
        self._take = redis.register_script(_TAKE)
        self._defer = redis.register_script(_DEFER)

    def _now(self) -> str:
        return "" if self._clock is None else repr(self._clock())

    def acquire(self) -> None:
        while True:
            answer = self._take(keys=self._keys, args=[self._now(), self._rate, self._burst])
            text = answer.decode() if isinstance(answer, bytes) else str(answer)
            paused = text.startswith("nb:")
            wait = float(text.removeprefix("nb:"))
            if wait > self._max_wait:
                if not paused:  # the slot reserved this far out is handed back
                    self._redis.hincrbyfloat(self._keys[0], "tokens", 1)
                raise RateLimited(
                    "The store's call rate is used up for now; techOMS will try again later.",
                    retry_after=wait,
                    status=429,
                )
            if wait > 0:
                self._sleep(wait)
            if not paused:
                return

    def defer(self, seconds: float) -> None:
        if seconds > 0:
            self._defer(keys=self._keys[1:], args=[self._now(), seconds])


def gate_for(shop_domain: str, **options) -> StoreCallRate:
    """The store's shared gate with the configured rate (BRIGHTSITES_CALLS_PER_SECOND, _CALL_BURST,
    _CALL_MAX_WAIT). Built in the app context; usable from any thread afterwards."""
    config = current_app.config
    options.setdefault("rate", float(config["BRIGHTSITES_CALLS_PER_SECOND"]))
    options.setdefault("burst", int(config["BRIGHTSITES_CALL_BURST"]))
    options.setdefault("max_wait", float(config["BRIGHTSITES_CALL_MAX_WAIT"]))
    return StoreCallRate(redis_client(), shop_domain, **options)
