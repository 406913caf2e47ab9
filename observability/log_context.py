"""Who and what a log line is about: request id, user, account, channel, run and job, wherever they apply.

A job binds its run for as long as it works on it (`bound`); the web layer registers a provider that reads the
current request lazily, so a line logged outside a request simply has no request fields."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

FIELDS = ("request_id", "user_id", "account_id", "channel_id", "run_id", "job_id")

_bound: ContextVar[dict[str, Any]] = ContextVar("techoms_log_context", default={})  # noqa: B039  never mutated
_providers: list[Callable[[], dict[str, Any]]] = []


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add `fields` (None values ignored) to every line logged inside the block, in this thread or task."""
    token = _bound.set({**_bound.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _bound.reset(token)


def add_provider(provider: Callable[[], dict[str, Any]]) -> None:
    """Register a callable giving more fields at log time (idempotent)."""
    if provider not in _providers:
        _providers.append(provider)


def current() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for provider in _providers:
        try:
            fields.update(provider())
        except Exception:  # noqa: BLE001, S112  a line must never fail because its context could not be read
            continue
    fields.update(_bound.get())
    return {k: v for k, v in fields.items() if v is not None}
