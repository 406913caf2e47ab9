"""Secrets kept out of every log line: store tokens (query strings, headers) and secrets in a URL path.

Some URLs carry a secret as their last path segment (a store's push intake,
`/intake/<type>/<public id>/<secret>`); `SECRET_PATH_PREFIXES` names them, and `redact_path` masks that
segment wherever such a path is logged."""

from __future__ import annotations

import re

from connectors.brightsites.redaction import REDACTED
from connectors.brightsites.redaction import redact as redact_tokens

SECRET_PATH_PREFIXES = ["/intake/", "/invitations/"]
_SEGMENT = r"[^/\s?#\"']+"


def _secret_path_pattern() -> re.Pattern[str]:
    prefixes = "|".join(re.escape(prefix) for prefix in SECRET_PATH_PREFIXES)
    return re.compile(rf"((?:{prefixes})(?:{_SEGMENT}/)*){_SEGMENT}")


def redact_path(path: str) -> str:
    """`/intake/brightsites/abc/s3cret` → `/intake/brightsites/abc/***`; other paths unchanged."""
    return _secret_path_pattern().sub(lambda m: m.group(1) + REDACTED, path)


def redact(text: str) -> str:
    """Tokens in query strings and headers, and the secret segment of secret-carrying paths."""
    return redact_path(redact_tokens(text))
