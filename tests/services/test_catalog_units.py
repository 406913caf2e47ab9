"""Store measures into grams and millimetres: every unit, at its edges (0, null, fractional, half-way)."""

from decimal import Decimal

import pytest

from services import catalog_units
from services.catalog_units import MalformedMeasure, grams, millimetres, shown


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        ("1", "lb", 454),  # 453.59237
        ("0.5", "lb", 227),  # 226.796 rounds up, not down
        ("2.2046", "lb", 1000),
        ("1", "oz", 28),  # 28.3495
        ("0.5", "oz", 14),  # 14.17
        ("0.01", "oz", 0),  # 0.28 g
        ("0.02", "oz", 1),  # 0.567 g: rounded, not truncated
        ("1.5", "kg", 1500),
        ("0.0005", "kg", 1),  # exactly half a gram rounds half up
        ("0.0004", "kg", 0),
        ("12.5", "g", 13),
        ("12.4", "g", 12),
        ("0", "lb", 0),
        ("0.0", "kg", 0),
        (0, "g", 0),
        (Decimal("3"), "oz", 85),
        (None, "lb", None),
        ("", "kg", None),
        ("  ", "g", None),
    ],
)
def test_weights_in_grams(raw, unit, expected):
    assert grams(raw, unit) == expected


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        ("1", "in", 25),  # 25.4
        ("0.5", "in", 13),  # 12.7
        ("0.02", "in", 1),  # 0.508
        ("0.01", "in", 0),  # 0.254
        ("10.25", "cm", 103),  # 102.5: half up
        ("0.04", "cm", 0),
        ("0.05", "cm", 1),
        ("0", "in", 0),
        (None, "cm", None),
        ("", "in", None),
    ],
)
def test_lengths_in_millimetres(raw, unit, expected):
    assert millimetres(raw, unit) == expected


@pytest.mark.parametrize("raw", ["heavy", "-1", "1e400000", "NaN", "Infinity", True, [1], {"v": 1}])
def test_malformed_measures_are_refused(raw):
    with pytest.raises(MalformedMeasure):
        grams(raw, "lb")


def test_a_measure_beyond_what_techoms_keeps_is_refused():
    assert grams("1000", "kg") == catalog_units.MAX_GRAMS
    with pytest.raises(MalformedMeasure):
        grams("1000.001", "kg")
    with pytest.raises(MalformedMeasure):
        millimetres("4000", "in")


def test_store_measures_shown_in_the_channel_unit():
    assert shown("0.5", "lb") == "0.5 lb"
    assert shown("2.50", "kg") == "2.5 kg"
    assert shown("3.0", "oz") == "3 oz"
    assert shown("100", "g") == "100 g"
    assert shown(None, "lb") == ""
    assert shown("heavy", "lb") == ""
