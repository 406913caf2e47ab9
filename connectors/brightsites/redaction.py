"""Keep the access token out of logs (security requirement LOG-01).

The client sends the token in the X-API-TOKEN header, which urllib3 never logs. With the legacy `?token=`
setting the token is part of the URL, and urllib3's DEBUG request line passes the URL as a log *argument*, so
the filter rewrites both `record.msg` and `record.args`. It is attached to the loggers that see our requests.
"""

from __future__ import annotations

import logging
import re

REDACTED = "***"
_PATTERNS = (
    re.compile(r"(?i)(\btoken=)[^&\s\"'#]+"),
    re.compile(r"(?i)(x-api-token[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:bearer\s+)?)[^\s\"',}]+"),
)
LOGGERS_TO_GUARD = (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.util.retry",
    "requests",
    "connectors.brightsites",
    "connectors.brightsites.client",
    "connectors.brightsites.store_calls",
)


def redact(text: str, *secrets: str) -> str:
    """Mask `token=...` query values, token/authorization headers, and any of the given secret values."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class TokenRedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


_FILTER = TokenRedactingFilter()


def install_log_redaction() -> None:
    """Idempotent: attach the filter to every logger our HTTP traffic goes through."""
    for name in LOGGERS_TO_GUARD:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
