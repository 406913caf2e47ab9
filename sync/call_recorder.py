"""Counts every billed call of a run (from any thread) and, while manual logging is on, keeps each call's
record — token already masked by the client, customer data masked here — for the run to store."""

from __future__ import annotations

import re
import threading
from datetime import datetime

from connectors.brightsites.results import CallRecord
from extensions import db
from models.activity import ApiCallLog

# JSON string values of fields that carry personal data (security requirement PII-01).
_PII_KEYS = (
    "first_name",
    "last_name",
    "name",
    "company",
    "email",
    "customer_email",
    "customer",
    "phone",
    "address1",
    "address2",
    "first_address",
    "second_address",
    "city",
    "zip",
    "zipcode",
    "postal_code",
    "note",
    "notes",
    "gift_message",
    "username",
)
_PII_VALUE = re.compile(r'("(?:' + "|".join(_PII_KEYS) + r')"\s*:\s*)"(?:[^"\\]|\\.)*"')
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def redact_pii(text: str | None) -> str:
    if not text:
        return ""
    return _EMAIL.sub("[email]", _PII_VALUE.sub(r'\1"[redacted]"', text))


class CallRecorder:
    """`calls` counts from `calls_before`, the calls of the run's earlier attempts: the store bills every
    attempt, so the run shows their sum."""

    def __init__(
        self,
        channel_id: int,
        run_id: int | None,
        logging_until: datetime | None,
        now: datetime,
        *,
        calls_before: int = 0,
    ):
        self._lock = threading.Lock()
        self._pending: list[CallRecord] = []
        self.channel_id = channel_id
        self.run_id = run_id
        self.logging = logging_until is not None and logging_until > now
        self.calls = calls_before

    def __call__(self, record: CallRecord) -> None:
        with self._lock:
            self.calls += record.billed  # a request that never reached the store is logged, not billed
            if self.logging:
                self._pending.append(record)

    def flush(self) -> None:
        """Store the logged calls (main thread only: fetch threads never touch the database session)."""
        with self._lock:
            records, self._pending = self._pending, []
        for record in records:
            db.session.add(
                ApiCallLog(
                    channel_id=self.channel_id,
                    run_id=self.run_id,
                    method=record.method,
                    path=record.path[:500],
                    status=record.status,
                    duration_ms=record.duration_ms,
                    attempt=record.attempt,
                    request_body=redact_pii(record.request_body),
                    response_body=redact_pii(record.response_body),
                    error=(record.error or "")[:80],
                )
            )
