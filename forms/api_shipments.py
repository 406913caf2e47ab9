"""The JSON body of POST /api/v1/orders/<id>/shipments, read into a ShipmentInput or messages per field.

Every value is checked for type, range and length before anything reaches the database, so whatever a client
sends the API answers 422 with what to fix, never a 500: strings are real text (no control characters, no
lone surrogates the database could not store), ids and quantities are whole numbers in range, dates exist.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select

from extensions import db
from forms.shipments import plausible_ship_date
from models.catalog import Warehouse, account_warehouse
from models.shipments import NOTE_LENGTH, TRACKING_LENGTH
from models.tenancy import Account
from services.shipments.queries import carrier_service_by_codes
from services.shipments.recording import ShipmentInput

FIELDS = {"tracking_number", "ship_date", "carrier", "service", "warehouse", "note", "lines"}
LINE_FIELDS = {"line_id", "quantity"}
MAX_LINES = 500
MAX_ID = 2**31 - 1
MAX_QUANTITY = 1_000_000
CODE_LENGTH = 32
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Errors = dict[str, list[str]]


def _text(payload: dict[str, Any], name: str, errors: Errors, *, limit: int, required: bool) -> str | None:
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name].append("This field is required.")
        return None
    if not isinstance(value, str):
        errors[name].append("Must be a string.")
        return None
    value = value.strip()
    if len(value) > limit:
        errors[name].append(f"At most {limit} characters.")
    elif any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        errors[name].append("Remove control characters (tabs, line breaks and the like).")
    else:
        return value
    return None


def _whole(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def _ship_date(payload: dict[str, Any], errors: Errors, today: date) -> date | None:
    value = payload.get("ship_date")
    if value is None:
        errors["ship_date"].append("This field is required (YYYY-MM-DD).")
        return None
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        errors["ship_date"].append("Must be a date as YYYY-MM-DD.")
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        errors["ship_date"].append(f"{value} is not a date.")
        return None
    problem = plausible_ship_date(parsed, today)
    if problem:
        errors["ship_date"].append(problem)
        return None
    return parsed


def _lines(payload: dict[str, Any], errors: Errors) -> list[tuple[int, int]]:
    raw = payload.get("lines")
    if not isinstance(raw, list) or not raw:
        errors["lines"].append('Must be a non-empty list of {"line_id": …, "quantity": …}.')
        return []
    if len(raw) > MAX_LINES:
        errors["lines"].append(f"At most {MAX_LINES} lines in one shipment.")
        return []
    lines = []
    for n, entry in enumerate(raw):
        where = f"lines[{n}]"
        if not isinstance(entry, dict):
            errors[where].append('Must be an object {"line_id": …, "quantity": …}.')
            continue
        for unknown in sorted(set(entry) - LINE_FIELDS, key=str):
            errors[f"{where}.{unknown}"[:100]].append("Unknown field.")
        line_id = _whole(entry.get("line_id"), 1, MAX_ID)
        quantity = _whole(entry.get("quantity"), 1, MAX_QUANTITY)
        if line_id is None:
            errors[f"{where}.line_id"].append("Must be the id of one of the order's lines (a whole number).")
        if quantity is None:
            errors[f"{where}.quantity"].append(f"Must be a whole number from 1 to {MAX_QUANTITY:,}.")
        if line_id is not None and quantity is not None:
            lines.append((line_id, quantity))
    return lines


def _warehouse(account: Account, code: str) -> Warehouse | None:
    return db.session.scalar(
        select(Warehouse)
        .join(account_warehouse, account_warehouse.c.warehouse_id == Warehouse.id)
        .where(account_warehouse.c.account_id == account.id, func.lower(Warehouse.code) == code.lower())
    )


def parse_shipment(payload: Any, account: Account, today: date) -> tuple[ShipmentInput | None, Errors]:
    """(the shipment to take in, {}) or (None, messages per field)."""
    if not isinstance(payload, dict):
        return None, {"request": ["Send a JSON object."]}
    errors: Errors = defaultdict(list)
    for unknown in sorted(set(payload) - FIELDS, key=str):
        errors[str(unknown)[:100]].append("Unknown field.")
    tracking = _text(payload, "tracking_number", errors, limit=TRACKING_LENGTH, required=True)
    ship_date = _ship_date(payload, errors, today)
    carrier = _text(payload, "carrier", errors, limit=CODE_LENGTH, required=True)
    service = _text(payload, "service", errors, limit=CODE_LENGTH, required=True)
    warehouse_code = _text(payload, "warehouse", errors, limit=CODE_LENGTH, required=False)
    note = _text(payload, "note", errors, limit=NOTE_LENGTH, required=False)
    lines = _lines(payload, errors)

    carrier_service = carrier_service_by_codes(carrier, service) if carrier and service else None
    if carrier and service and carrier_service is None:
        errors["service"].append(f"techOMS has no carrier service {carrier} / {service}.")
    warehouse = _warehouse(account, warehouse_code) if warehouse_code else None
    if warehouse_code and warehouse is None:
        errors["warehouse"].append(f"No warehouse {warehouse_code} is enabled for this account.")
    if errors:
        return None, dict(errors)
    return (
        ShipmentInput(
            lines=lines,
            carrier_service=carrier_service,
            tracking_number=tracking,
            ship_date=ship_date,
            warehouse=warehouse,
            note=note,
        ),
        {},
    )
