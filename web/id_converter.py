"""Ids in URLs: `<int:…>` is an id of an INTEGER column (1 to 2**31-1), `<bigint:…>` one of a BIGINT column
(1 to 2**63-1, e.g. a Bright Sites order id). Registered app-wide, `int` replacing Werkzeug's own.

Werkzeug's converter takes any number of digits: past 64 bits SQLite's driver raises OverflowError, and
past 32 bits PostgreSQL refuses an INTEGER parameter. With these, a number the column cannot hold is a 404,
like any other id that does not exist. A route may still narrow the range, e.g. `<int(max=99):…>`.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    smallest, largest = 1, 2**31 - 1

    def to_python(self, value: str) -> int:
        # NotFound rather than Werkzeug's ValidationError: that one makes the matcher answer 405 when a rule
        # for another method shares the path (GET /channels/<huge>/main next to POST .../main).
        if len(value) > len(str(self.largest)) or not self.smallest <= int(value) <= self.largest:
            raise NotFound()
        return super().to_python(value)


class BigIdConverter(IdConverter):
    largest = 2**63 - 1


def init_app(app: Flask) -> None:
    """Before any rule is added: rules are compiled with the converters of that moment."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["bigint"] = BigIdConverter
