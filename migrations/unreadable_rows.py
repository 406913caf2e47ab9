"""A downgrade refuses rows the older code cannot read.

Enums are stored as strings without a database type (`native_enum=False`, no CHECK), so a new value needs no
schema change, but the code of an older revision fails on a row holding one (SQLAlchemy's LookupError: "is
not among the defined enum values", a 500 on every page that loads the row). The migration that came with a
value therefore checks, on downgrade, that no row holds it, and refuses otherwise: nothing is rewritten behind
the operator's back, and the message names the table, column, value and row count, and what to do.

Migration scripts import this module (the repository root is on the path when Alembic runs, as for
`models.base`). Keep it free of the application's models: they describe the newest schema.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import bindparam, text


class UnreadableRows(RuntimeError):
    """Rows the older code cannot read: the downgrade step was not applied."""


def refuse_unreadable(revision: str, down_to: str, values: dict[tuple[str, str], tuple[str, ...]]) -> None:
    """Raise UnreadableRows when any (table, column) holds one of its values. Called first in the step's
    downgrade, so a refused step changes nothing."""
    bind = op.get_bind()
    found: list[tuple[str, str, str, int]] = []
    for (table, column), unknown in values.items():
        query = text(
            f'SELECT "{column}", COUNT(*) FROM "{table}" WHERE "{column}" IN :values '  # noqa: S608
            f'GROUP BY "{column}" ORDER BY "{column}"'
        ).bindparams(bindparam("values", expanding=True))
        rows = bind.execute(query, {"values": list(unknown)})
        found += [(table, column, value, count) for value, count in rows]
    if not found:
        return
    listed = "; ".join(
        f"{table}.{column} = '{value}' in {count} row(s)" for table, column, value, count in found
    )
    table, column, value, _ = found[0]
    example = f"DELETE FROM {table} WHERE {column} = '{value}'"  # noqa: S608 (a message, never executed)
    raise UnreadableRows(
        f"Downgrade from {revision} to {down_to} refused: the older code cannot read rows the newer version "
        f"wrote ({listed}). Nothing of this step was done (`flask db current` shows where the database "
        f"stands: PostgreSQL undoes the whole downgrade, SQLite keeps the steps above this one). Stay on "
        f"this version, or change or delete those rows first (e.g. {example}, after a backup) and "
        "downgrade again."
    )
