"""`<int:…>` in every route means a database id: 1 up to the largest integer a column holds (BIGINT, 2**63-1).

Werkzeug's own converter takes any number of digits, and SQLite's driver raises OverflowError for a number
past 64 bits. With this one, a number no column can hold is a 404 like any other id that does not exist.
Routes may still narrow the range, e.g. `<int(max=2147483647):order_id>` for a 32-bit column.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

SMALLEST_ID = 1
LARGEST_ID = 2**63 - 1
_MAX_DIGITS = len(str(LARGEST_ID))


class DatabaseIdConverter(IntegerConverter):
    def to_python(self, value: str) -> int:
        # NotFound rather than Werkzeug's ValidationError: that one makes the matcher answer 405 when a rule
        # for another method shares the path (GET /channels/<huge>/main next to POST .../main).
        if len(value) > _MAX_DIGITS or not SMALLEST_ID <= int(value) <= LARGEST_ID:
            raise NotFound()
        return super().to_python(value)


def init_app(app: Flask) -> None:
    """Replace `int` before any rule is added: rules are compiled with the converters of that moment."""
    app.url_map.converters["int"] = DatabaseIdConverter
