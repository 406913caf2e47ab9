"""Per-store fault injection: latency, 500s, 429 with Retry-After, dropped connections (before the store acts,
or after it has acted and before it answers; a 500 after acting; 429s on writes only), slow answers,
redirects, plus the realism toggles of the real API (timestamp style, legacy PUT shape, a cancel whose
payment refund fails, an order whose detail is malformed), and an optional per-store call rate: a request
above it is answered 429 with the Retry-After of the next free slot (the real store documents no throttling;
this lets tests prove that techOMS's shared client-side rate keeps below one).

Outcomes are drawn from a per-store `random.Random(seed)`, one draw per API request whatever the rates, so a
sequential client sees the same sequence of faults on every run. `script` forces the next outcomes exactly.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

FAULT_OUTCOMES = ("500", "429", "drop", "drop_after", "timeout", "redirect", "error_after", "write_429")
SCRIPT_OUTCOMES = (*FAULT_OUTCOMES, "ok")
TIMESTAMP_STYLES = ("utc", "offset")
STALL_LIMIT_SECONDS = 120.0  # a test that never lets go still ends


@dataclass
class FaultConfig:
    seed: int = 0
    latency_ms: int = 0
    error_rate: float = 0.0  # share of requests answered 500
    rate_limit_rate: float = 0.0  # share answered 429
    retry_after: str = "1"  # Retry-After header value sent with 429s (seconds or an HTTP-date)
    drop_rate: float = 0.0  # share whose connection is closed without an answer, before the store acts
    drop_after_rate: float = 0.0  # share the store carries out (a write is done), then closes unanswered
    timeout_rate: float = 0.0  # share answered only after `timeout_seconds`
    timeout_seconds: float = 2.0
    redirect_rate: float = 0.0  # share answered 302 to a metadata address (SSRF check of the client)
    # share the store carries out (a write is done), then answers 500, as a store under load does
    error_after_rate: float = 0.0
    # share of writes (POST, PUT, DELETE) answered 429 with Retry-After, not processed; reads go on
    write_rate_limit_rate: float = 0.0
    script: list[str] = field(default_factory=list)  # forced outcomes for the next requests, then rates
    timestamp_style: str = "utc"  # "utc": 2025-05-14T18:36:25.000Z; "offset": 2025-05-14T12:36:25-06:00
    refund_fails: bool = False  # PUT /orders/:id/cancel lists "Unable to refund payment" under errors
    legacy_put_shape: bool = False  # PUT /orders/:id answers with the older serializer (A.5.3 [OBS])
    # while set, every API request waits (up to STALL_LIMIT_SECONDS) before it is answered: a test holds a
    # run inside a store call, with no clock in the test, until it clears this
    stalled: bool = False
    # Show Order of these orders serves a created_at that is not a timestamp (store data a client cannot
    # read); the listing and every other call stay as they were
    unreadable_orders: list[int] = field(default_factory=list)
    calls_per_second: float = 0.0  # enforced call rate (token bucket); 0 = unlimited
    call_burst: int = 1  # calls allowed at once before the rate applies

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_RATE_FIELDS = {
    "500": "error_rate",
    "429": "rate_limit_rate",
    "drop": "drop_rate",
    "drop_after": "drop_after_rate",
    "timeout": "timeout_rate",
    "redirect": "redirect_rate",
    # after the older outcomes, so a seed draws the same faults as before when these rates are 0
    "error_after": "error_after_rate",
    "write_429": "write_rate_limit_rate",
}


def _validated(config: FaultConfig) -> FaultConfig:
    for name in _RATE_FIELDS.values():
        rate = getattr(config, name)
        if not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise ValueError(f"{name} must be a number between 0 and 1")
    if sum(getattr(config, name) for name in _RATE_FIELDS.values()) > 1:
        raise ValueError("fault rates add up to more than 1")
    if config.timestamp_style not in TIMESTAMP_STYLES:
        raise ValueError(f"timestamp_style must be one of {', '.join(TIMESTAMP_STYLES)}")
    unknown = [o for o in config.script if o not in SCRIPT_OUTCOMES]
    if unknown:
        raise ValueError(f"unknown script outcomes {unknown}; use {', '.join(SCRIPT_OUTCOMES)}")
    if not isinstance(config.latency_ms, int) or config.latency_ms < 0:
        raise ValueError("latency_ms must be a non-negative integer")
    if not isinstance(config.stalled, bool):
        raise ValueError("stalled must be true or false")
    if not all(isinstance(oid, int) and not isinstance(oid, bool) for oid in config.unreadable_orders):
        raise ValueError("unreadable_orders must be a list of order ids")
    if not isinstance(config.calls_per_second, int | float) or config.calls_per_second < 0:
        raise ValueError("calls_per_second must be a non-negative number")
    if not isinstance(config.call_burst, int) or config.call_burst < 1:
        raise ValueError("call_burst must be a positive integer")
    config.retry_after = str(config.retry_after)
    return config


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.config = FaultConfig(seed=seed)
        self._rng = random.Random(seed)
        self._tokens = 0.0
        self._filled_at = 0.0
        self.rate_refusals = 0  # requests answered 429 because they came above calls_per_second

    def configure(self, **changes: Any) -> FaultConfig:
        """Change some settings; the random sequence restarts from the (possibly new) seed."""
        known = {f.name for f in fields(FaultConfig)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        with self._lock:
            merged = {**self.config.as_dict(), **changes}
            merged["script"] = list(merged["script"])
            merged["unreadable_orders"] = list(merged["unreadable_orders"])
            self.config = _validated(FaultConfig(**merged))
            self._rng = random.Random(self.config.seed)
            self._tokens, self._filled_at = float(self.config.call_burst), time.monotonic()
            return self.config

    def reset(self) -> FaultConfig:
        with self._lock:
            self.config = FaultConfig(seed=self.config.seed)
            self._rng = random.Random(self.config.seed)
            return self.config

    def over_rate(self) -> int | None:
        """Seconds until the next free slot (the Retry-After to send) when this request comes above the
        store's call rate; None when it may go ahead (or no rate is set)."""
        with self._lock:
            rate = self.config.calls_per_second
            if not rate:
                return None
            now = time.monotonic()
            self._tokens = min(self.config.call_burst, self._tokens + (now - self._filled_at) * rate)
            self._filled_at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
            self.rate_refusals += 1
            return max(1, math.ceil((1 - self._tokens) / rate))

    def next_outcome(self, *, write: bool = False) -> str | None:
        """The fault to apply to this request, or None to answer normally. `write_429` applies to writes
        only: a read drawing it is answered normally."""
        with self._lock:
            draw = self._rng.random()  # always drawn, so the sequence does not depend on the script
            if self.config.script:
                forced = self.config.script.pop(0)
                return None if forced == "ok" else forced
            threshold = 0.0
            for outcome, rate_field in _RATE_FIELDS.items():
                threshold += getattr(self.config, rate_field)
                if draw < threshold:
                    return None if outcome == "write_429" and not write else outcome
            return None
