"""The final SKUs of a product, read from its show (GET /products/:id). Pure, no I/O.

A final SKU is the product's `sku`, its `sku_separator` and the variant's sub-SKUs joined by the separator;
empty sub-SKUs add nothing. The show's inventory rows carry each variant's sub-SKU, but a vendor-managed
product has no rows (and is missing from /inventories): its variants are built from the options, by
position, each with one of its sub-options, by position, as the store builds them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

MAX_SKUS = 5000  # a product with many options has a huge product of combinations


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _position(item: Mapping[str, Any]) -> tuple[int, int]:
    position, identity = item.get("position"), item.get("id")
    return (
        position if isinstance(position, int) else 0,
        identity if isinstance(identity, int) else 0,
    )


def _objects(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _option_sub_skus(raw: Mapping[str, Any]) -> list[list[object]]:
    """Per option (by position), the sub-SKUs of its sub-options (by position); an option without any is
    left out."""
    sub_options = _objects(raw.get("sub_options"))
    groups = []
    for option in sorted(_objects(raw.get("options")), key=_position):
        own = (s for s in sub_options if s.get("product_option_id") == option.get("id"))
        choices = sorted(own, key=_position)
        if choices:
            groups.append([choice.get("sub_sku") for choice in choices])
    return groups


def final_skus(raw: Mapping[str, Any], limit: int = MAX_SKUS) -> list[str]:
    """Every final SKU of the product shown, in the store's order, without duplicates, at most `limit`."""
    base = _text(raw.get("sku"))
    separator = "-" if raw.get("sku_separator") is None else str(raw.get("sku_separator"))

    def final(sub_skus: Iterable[object]) -> str:
        joined = separator.join(text for part in sub_skus if (text := _text(part)))
        return f"{base}{separator}{joined}" if joined else base

    rows = _objects(raw.get("inventories"))
    if rows:
        candidates: Iterable[str] = (final([row.get("sub_sku")]) for row in rows)
    else:
        candidates = (final(choice) for choice in itertools.product(*_option_sub_skus(raw)))
    found: dict[str, None] = {}
    for sku in candidates:
        if sku:
            found.setdefault(sku, None)
            if len(found) >= limit:
                break
    return list(found)
