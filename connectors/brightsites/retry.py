"""When and how long to wait before trying a request again (security requirement SYNC-05).

Only idempotent requests are retried, on 429, 5xx, connection errors and timeouts: reads, and the writes the
caller declares idempotent (an absolute inventory batch_update: sending it twice leaves the store as sending
it once). A 429 that says when to come back (Retry-After) is retried for any request, a write too: the store
turned it away without acting on it. Waits are capped exponential
backoff with full jitter, or the store's Retry-After when it sends one; a Retry-After above the cap is not
slept through (a worker must not block for an hour): the caller gets RateLimited and reschedules the job.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from connectors.brightsites.errors import BrightSitesError, RateLimited, TryAgainLater

RETRYABLE_METHODS = frozenset({"GET"})


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP-date; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class RetryPolicy:
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_after_cap: float = 30.0
    rng: random.Random = field(default_factory=random.Random)

    def delay_before_retry(
        self, method: str, error: BrightSitesError, attempt: int, *, idempotent: bool = False
    ) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None when the error must be raised now."""
        # A 429 with Retry-After is the store turning the request away before acting on it: waited out
        # and sent again whatever the method (a POST too), not an unsure outcome.
        turned_away = isinstance(error, RateLimited) and error.retry_after is not None
        if not (idempotent or method in RETRYABLE_METHODS or turned_away) or not isinstance(
            error, TryAgainLater
        ):
            return None
        if error.retry_after is not None and error.retry_after > self.retry_after_cap:
            return None
        if attempt > self.max_retries:
            return None
        if error.retry_after is not None:
            return error.retry_after
        return self.rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))
