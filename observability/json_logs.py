"""One log format for the web app, the RQ workers and the cron process: one JSON object per line.

Each line has a UTC timestamp, level, logger, message, the context of `log_context` (request id, user,
account, channel, run, job) and the `extra=` fields of the call. JSON escapes CR/LF and every control
character, so a user's text can never start a forged line (LOG-04); everything passes through
`redaction.redact` first."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from observability import log_context
from observability.redaction import redact

# Attributes every LogRecord has: anything else on a record came from `extra=` and is logged as a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
TEXT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
# Chatty or URL-printing loggers: the app writes its own access line (web/request_logs.py).
QUIET_LOGGERS = {"werkzeug": logging.WARNING, "urllib3": logging.WARNING}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        entry.update(log_context.current())
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_") and key not in entry:
                entry[key] = _plain(value)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=True, default=str)


class RedactingTextFormatter(logging.Formatter):
    """For a developer's terminal (LOG_FORMAT=text): the classic line, still redacted, CR/LF escaped."""

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))
        return line.replace("\r", "\\r").replace("\n", "\\n")


def make_formatter(kind: str = "json") -> logging.Formatter:
    return RedactingTextFormatter(TEXT_FORMAT) if kind == "text" else JsonFormatter()


class _TechomsHandler(logging.StreamHandler):
    """Marks the handler `configure` installs, so a second call replaces it instead of doubling lines."""


def configure(level: str = "INFO", kind: str = "json") -> None:
    """The process's logging: one handler on the root logger, writing to stderr. Idempotent."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _TechomsHandler)]:
        root.removeHandler(handler)
    handler = _TechomsHandler(sys.stderr)
    handler.setFormatter(make_formatter(kind))
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name, quiet_level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet_level)
