"""The store's weights and dimensions in techOMS units: grams and millimetres, whole numbers (pure).

A channel says which units its store's measures are in (Advanced settings › Units of measurement). Decimal
arithmetic from the store's decimal strings, rounded half up to the nearest whole unit: truncating would turn
0.9999 kg into 999 g and a 0.01 oz sample into nothing at all.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

GRAMS_PER = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "lb": Decimal("453.59237"),  # the international avoirdupois pound, exact by definition
    "oz": Decimal("28.349523125"),  # 1/16 lb, exact
}
MILLIMETRES_PER = {"mm": Decimal(1), "cm": Decimal(10), "in": Decimal("25.4")}
MAX_GRAMS = 1_000_000  # what a techOMS variant may weigh (the product form's limit)
MAX_MILLIMETRES = 100_000


class MalformedMeasure(ValueError):
    """A store value that is no measure: not a number, negative, or beyond what techOMS keeps."""


def parse(raw: object) -> Decimal | None:
    """A store measure (decimal string or number) as a Decimal; None or "" is no value."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise MalformedMeasure(f"{raw!r} is not a number")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise MalformedMeasure(f"{str(raw)[:40]!r} is not a number") from None
    if not value.is_finite():
        raise MalformedMeasure(f"{str(raw)[:40]!r} is not a number")
    if value < 0:
        raise MalformedMeasure(f"{value} is negative")
    if value.adjusted() > 12:  # far past any limit; keeps the arithmetic below inside Decimal's range
        raise MalformedMeasure(f"{str(raw)[:40]!r} is more than techOMS keeps")
    return value


def _whole(value: Decimal | None, factor: Decimal, limit: int, unit: str) -> int | None:
    if value is None:
        return None
    converted = int((value * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if converted > limit:
        raise MalformedMeasure(f"{value} {unit} is more than techOMS keeps")
    return converted


def grams(raw: object, unit: str) -> int | None:
    """The store's weight `raw` in `unit` (lb, oz, kg, g) as whole grams; None when the store has none."""
    return _whole(parse(raw), GRAMS_PER[unit], MAX_GRAMS, unit)


def millimetres(raw: object, unit: str) -> int | None:
    """The store's length `raw` in `unit` (in, cm) as whole millimetres; None when the store has none."""
    return _whole(parse(raw), MILLIMETRES_PER[unit], MAX_MILLIMETRES, unit)


def shown(raw: object, unit: str) -> str:
    """A store measure as a person reads it in the channel's unit ("0.5 lb"); "" when there is none or it
    is unreadable (the import reported that already)."""
    try:
        value = parse(raw)
    except MalformedMeasure:
        return ""
    if value is None:
        return ""
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")
    return f"{text} {unit}"
