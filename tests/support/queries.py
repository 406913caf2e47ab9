"""Counting the SQL statements a piece of work sends: the behaviour a test can assert about cost, where a
timed assertion would depend on the machine (timings belong in bench/)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from extensions import db


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """The statements sent to the database inside the block, in order (an executemany counts once)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def page_statements(client, path: str) -> list[str]:
    """The statements a GET of `path` sends, which must answer 200: how a test shows a page's cost in
    queries does not grow with what it lists."""
    with recorded_statements() as statements:
        assert client.get(path).status_code == 200
    return statements
