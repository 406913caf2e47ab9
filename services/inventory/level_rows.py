"""Stock levels as received in bulk — the host-system API (`PUT /api/v1/inventory`) and the Products screen's
CSV import — and the report a batch gets back: the rows (read from a CSV file here; the API builds them from
its JSON), the limits every batch keeps, and per wrong row what is wrong with it.

Checking the rows is services/inventory/level_checks.py, setting them services/inventory/levels.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.mappings.csv_io import FileRefused, read_rows, unescape

MAX_ROWS = 10_000
MAX_ON_HAND = 10_000_000
CSV_COLUMNS = ("Warehouse", "SKU", "On hand")


@dataclass(frozen=True)
class LevelRow:
    """One level as received. `position` keys it in the report (the API's index, the CSV's line number) and
    `label` names it in messages ("levels[3]", "line 5")."""

    position: int
    label: str
    warehouse: object
    sku: object
    on_hand: object


@dataclass(frozen=True)
class RowProblem:
    position: int
    field: str  # warehouse, sku, on_hand, or "row" when the row itself is malformed
    message: str


@dataclass
class IntakeReport:
    received: int
    problems: list[RowProblem] = field(default_factory=list)
    changed: int = 0
    unchanged: int = 0

    @property
    def applied(self) -> bool:
        return not self.problems

    @property
    def bad_rows(self) -> int:
        return len({problem.position for problem in self.problems})

    def summary(self) -> str:
        if self.problems:
            return (
                f"Nothing was applied: {self.bad_rows} of {self.received} row"
                f"{'' if self.received == 1 else 's'} cannot be accepted."
            )
        return (
            f"{self.received} level{'' if self.received == 1 else 's'} received: {self.changed} changed, "
            f"{self.unchanged} already at that figure."
        )


def rows_from_csv(data: bytes) -> list[LevelRow]:
    """The levels of a CSV file with the header `Warehouse,SKU,On hand`; FileRefused (nothing applied) for a
    file that is too large, not UTF-8 CSV, has another header or more than MAX_ROWS rows."""
    rows = []
    for line, cells in read_rows(data, CSV_COLUMNS):
        if len(rows) >= MAX_ROWS:
            raise FileRefused(f"The file has more than {MAX_ROWS:,} rows: nothing was applied.")
        values = [unescape(cell) for cell in cells] + [""] * (len(CSV_COLUMNS) - len(cells))
        if len(cells) > len(CSV_COLUMNS):
            values[2] = ",".join(cells[2:])  # an extra cell is an unreadable figure, reported on the row
        rows.append(LevelRow(line, f"line {line}", values[0], values[1], values[2]))
    return rows


def too_many_rows(count: int) -> str:
    return f"{count:,} levels given; at most {MAX_ROWS:,} are accepted at once. Nothing was applied."
