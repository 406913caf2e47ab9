"""What the client asks before every HTTP attempt, so that many clients of one store share its call rate
(security SYNC-07). The connector only defines the protocol; the shared implementation (a Redis token bucket
per store) lives in the services layer, which knows the configuration and Redis."""

from __future__ import annotations

from typing import Protocol


class CallGate(Protocol):
    def acquire(self) -> None:
        """Return once this client may send one request to the store. May raise errors.RateLimited when the
        wait would be longer than a worker should block (the job is then rescheduled)."""

    def defer(self, seconds: float) -> None:
        """The store answered 429 with Retry-After: nobody calls it again for `seconds`."""


class OpenGate:
    """No shared limit: a client built without a gate (simulator contract tests, scripts)."""

    def acquire(self) -> None:
        return None

    def defer(self, seconds: float) -> None:
        return None
