"""Plain values the client hands back: one record per HTTP attempt, a list page, a connection check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CallRecord:
    """One HTTP attempt. Every attempt that reached the store is a billed call; one that never connected
    (`billed` False: connection refused or not made in time) is logged, never counted. Bodies are truncated
    and the token is masked; `path` is the request path without its query string; `endpoint` the path
    template."""

    method: str
    path: str
    endpoint: str
    status: int | None
    duration_ms: int
    attempt: int
    request_body: str | None
    response_body: str | None
    error: str | None  # exception class name when the attempt failed
    billed: bool = True


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    page: int
    limit: int
    total: int | None
    offset: int | None
    served_at: datetime | None = None  # the store's clock when it answered (its Date header), if it said

    @property
    def is_last(self) -> bool:
        if self.total is not None and self.page * self.limit >= self.total:
            return True
        return len(self.items) < self.limit  # a short page ends the listing too


@dataclass(frozen=True)
class ConnectionReport:
    """Outcome of test_connection(). `message` is fixed text for the user, never the store's own words."""

    reachable: bool
    authenticated: bool
    can_write: bool | None
    message: str

    @property
    def ok(self) -> bool:
        return self.reachable and self.authenticated and self.can_write is True


@dataclass(frozen=True)
class Answer:
    """A 2xx answer's parsed JSON, and the store's clock when it answered: the `Date` header every HTTP
    origin server sends (RFC 9110), whole seconds; None when absent or unreadable. Only the store's own
    clock can order its orders' `created_at` against a write it confirmed."""

    data: Any
    served_at: datetime | None


@dataclass(frozen=True)
class BatchConfirmation:
    """What a batch_update answered: the rows as the store now holds them, and when (the store's clock)."""

    rows: list[dict[str, Any]]
    served_at: datetime | None
