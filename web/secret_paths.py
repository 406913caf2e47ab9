"""The order push intake's URL carries a secret (`/intake/brightsites/<public id>/<secret>`): access logs
(the development server's, gunicorn's) get the path with the secret replaced, so it is never written out."""

from __future__ import annotations

import logging
import re

from flask import Flask

_SECRET_IN_PATH = re.compile(r"(/intake/brightsites/[^/\s?\"]+/)[^\s?\"]+")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(text: str) -> str:
    return _SECRET_IN_PATH.sub(r"\1[secret]", text)


class SecretPathFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/intake/" in message:
            record.msg, record.args = redact(message), ()
        return True


def init_app(_app: Flask) -> None:
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(each, SecretPathFilter) for each in logger.filters):
            logger.addFilter(SecretPathFilter())
