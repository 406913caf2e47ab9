"""Turn one HTTP answer into parsed JSON or a typed error.

The store documents no error schema; observed 422 bodies are `{"errors": {"<param>": "msg" | ["msg", ...]}}`.
Texts taken from the store are masked for the token before they go into an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from connectors import bounded_json
from connectors.brightsites import errors
from connectors.brightsites.redaction import redact
from connectors.brightsites.retry import parse_retry_after

_STATUS_ERRORS: dict[int, tuple[type[errors.BrightSitesError], str]] = {
    401: (errors.AuthenticationError, "refused the access token"),
    403: (errors.PermissionDenied, "refused the operation for this access token"),
    404: (errors.NotFound, "found no such record"),
}
MAX_MESSAGE = 500


def field_errors(raw: bytes, token: str) -> dict[str, list[str]]:
    try:
        payload = bounded_json.loads(raw)
    except ValueError:
        return {}
    found = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(found, dict):
        return {}
    return {
        redact(str(key), token): [redact(str(m), token)[:MAX_MESSAGE] for m in messages]
        if isinstance(messages, list)
        else [redact(str(messages), token)[:MAX_MESSAGE]]
        for key, messages in found.items()
    }


def interpret_response(
    method: str, endpoint: str, status: int, headers: Mapping[str, str], raw: bytes, token: str
) -> Any:
    where = f"Bright Sites {method} {endpoint}"
    context: dict[str, Any] = {"method": method, "endpoint": endpoint, "status": status}
    if 200 <= status < 300:
        if not raw.strip():
            return None
        try:
            return bounded_json.loads(raw)
        except ValueError:  # also a body nested too deep to parse
            raise errors.UnexpectedResponse(f"{where} answered {status} without JSON", **context) from None
    if 300 <= status < 400:
        raise errors.RedirectRefused(f"{where} answered a redirect ({status}), not followed", **context)
    if status in _STATUS_ERRORS:
        kind, text = _STATUS_ERRORS[status]
        raise kind(f"{where} {text} ({status})", **context)
    if status == 422:
        found = field_errors(raw, token)
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in found.items())
        message = f"{where} rejected the values (422): {detail}"[:MAX_MESSAGE]
        raise errors.ValidationFailed(message, field_errors=found, **context)
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if status == 429:
        raise errors.RateLimited(f"{where} is rate limited (429)", retry_after=retry_after, **context)
    if status >= 500:
        message = f"{where} failed on the store's side ({status})"
        raise errors.Unavailable(message, retry_after=retry_after, **context)
    raise errors.UnexpectedResponse(f"{where} answered {status}", **context)


def served_at(headers: Mapping[str, str]) -> datetime | None:
    """The answer's `Date` header as an aware UTC time; None when absent, unreadable or without a zone."""
    value = headers.get("Date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None
