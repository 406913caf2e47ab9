"""The shape of a `PUT /api/v1/inventory` body, held as strictly as the shipments API: only known fields, and
`on_hand` a JSON integer (a string "5" is refused, not read as 5). Which warehouse, SKU and figure are
acceptable is the stock levels service's check; this one is about the JSON itself."""

from __future__ import annotations

from collections import defaultdict

BODY_FIELDS = frozenset({"levels"})
LEVEL_FIELDS = frozenset({"warehouse", "sku", "on_hand"})

Errors = dict[str, list[str]]


def shape_errors(body: dict, levels: list) -> Errors:
    """Messages per field (`levels[3].on_hand`) for unknown fields and an `on_hand` sent as text."""
    errors: Errors = defaultdict(list)
    for unknown in sorted(set(body) - BODY_FIELDS, key=str):
        errors[str(unknown)[:100]].append("Unknown field.")
    for index, level in enumerate(levels):
        if not isinstance(level, dict):
            continue  # reported as a whole row by the caller
        where = f"levels[{index}]"
        for unknown in sorted(set(level) - LEVEL_FIELDS, key=str):
            errors[f"{where}.{unknown}"[:100]].append("Unknown field.")
        if isinstance(level.get("on_hand"), str):  # other non-integers get the levels' own message
            errors[f"{where}.on_hand"].append("Must be a JSON integer (a number, not text).")
    return dict(errors)
