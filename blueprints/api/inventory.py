"""PUT /api/v1/inventory: a host system sets absolute stock levels of the key's account, up to 10,000 at once.

All or nothing: one wrong row and nothing is applied (unknown fields and an `on_hand` sent as text are wrong
too, as in the shipments API); the answer (422) names every wrong field of every row
as `levels[<index>].<field>`. Absolute figures make the call idempotent: repeating it changes nothing more.
The levels' `allocated` figures belong to the open orders and are never set here.
"""

from __future__ import annotations

from flask import request

from blueprints.api.auth import api_key_required, current_key
from connectors import bounded_json
from extensions import db
from forms.api_inventory import shape_errors
from services.inventory.level_rows import MAX_ROWS, LevelRow, too_many_rows
from services.inventory.levels import apply_levels
from web.api_requests import json_error


def _rows(levels: list) -> list[LevelRow]:
    rows = []
    for index, level in enumerate(levels):
        fields = level if isinstance(level, dict) else {}
        rows.append(
            LevelRow(
                position=index,
                label=f"levels[{index}]",
                warehouse=fields.get("warehouse"),
                sku=fields.get("sku"),
                on_hand=fields.get("on_hand"),
            )
        )
    return rows


@api_key_required
def set_levels():
    if not request.is_json:
        return json_error(415, {"request": ["Send the body as JSON (Content-Type: application/json)."]})
    try:
        body = bounded_json.loads(request.get_data(cache=False))
    except ValueError:  # also a body nested absurdly deep (bounded_json.TooDeep)
        return json_error(400, {"request": ["The body is not valid JSON."]})
    levels = body.get("levels") if isinstance(body, dict) else None
    if not isinstance(levels, list) or not levels:
        return json_error(
            422, {"levels": ["Give `levels`: a list of {warehouse, sku, on_hand} objects, at least one."]}
        )
    if len(levels) > MAX_ROWS:
        return json_error(422, {"levels": [too_many_rows(len(levels))]})
    not_objects = {
        f"levels[{index}]": ["Each level is an object with warehouse, sku and on_hand."]
        for index, level in enumerate(levels)
        if not isinstance(level, dict)
    }
    key = current_key()
    report = apply_levels(
        key.account, _rows(levels), reason=f"Stock API, key {key.name} ({key.display_prefix})"
    )
    shape = shape_errors(body, levels)
    if not_objects or shape or not report.applied:
        db.session.rollback()
        wrong_fields = "Nothing was applied: the body has wrong fields."
        summary = report.summary() if not report.applied else wrong_fields
        errors: dict[str, list[str]] = {"request": [summary]}
        for problem in report.problems:
            name = f"levels[{problem.position}]"
            if name in not_objects:
                continue
            field = name if problem.field == "row" else f"{name}.{problem.field}"
            errors.setdefault(field, []).append(problem.message)
        for field, messages in shape.items():
            errors.setdefault(field, []).extend(messages)
        return json_error(422, {**errors, **not_objects})
    db.session.commit()
    return {"received": report.received, "changed": report.changed, "unchanged": report.unchanged}
