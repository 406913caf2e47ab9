"""The final SKUs of a product, read from its show (GET /products/:id). Pure, no I/O.

A final SKU is the product's `sku`, its `sku_separator` and the variant's sub-SKUs joined by the separator;
empty sub-SKUs add nothing. The show's inventory rows carry each variant's sub-SKU, but a vendor-managed
product has no rows (and is missing from /inventories): its variants are built from the options, by
position, each with one of its sub-options, by position, as the store builds them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


def _option_groups(raw: Mapping[str, Any]) -> list[list[Mapping[str, Any]]]:
    """Per option (by position), its sub-options (by position); an option without any is left out."""
    sub_options = _objects(raw.get("sub_options"))
    groups = []
    for option in sorted(_objects(raw.get("options")), key=_position):
        own = (s for s in sub_options if s.get("product_option_id") == option.get("id"))
        choices = sorted(own, key=_position)
        if choices:
            groups.append(choices)
    return groups


@dataclass(frozen=True)
class StoreVariant:
    """One variant of a store product: its final SKU and its title, the names of its sub-options by option
    position ("M / Navy"), "" for a product without options."""

    final_sku: str
    title: str


def variants(raw: Mapping[str, Any], limit: int = MAX_SKUS) -> list[StoreVariant]:
    """Every variant of the product shown, in the store's order, one per final SKU (the first of rows
    spelled the same), at most `limit`. A row whose sub-SKUs are all empty is the base SKU alone."""
    base = _text(raw.get("sku"))
    separator = "-" if raw.get("sku_separator") is None else str(raw.get("sku_separator"))
    groups = _option_groups(raw)
    rank = {id(choice): number for number, group in enumerate(groups) for choice in group}
    by_id = {choice.get("id"): choice for group in groups for choice in group}

    def final(sub_skus: Iterable[object]) -> str:
        joined = separator.join(text for part in sub_skus if (text := _text(part)))
        return f"{base}{separator}{joined}" if joined else base

    def title(choices: Iterable[Mapping[str, Any]]) -> str:
        ordered = sorted(choices, key=lambda choice: rank.get(id(choice), 0))
        return " / ".join(text for choice in ordered if (text := _text(choice.get("name"))))

    rows = _objects(raw.get("inventories"))
    if rows:
        candidates: Iterable[StoreVariant] = (
            StoreVariant(
                final([row.get("sub_sku")]),
                title(by_id[i] for i in _ids(row.get("sub_option_ids")) if i in by_id),
            )
            for row in rows
        )
    else:
        candidates = (
            StoreVariant(final(choice.get("sub_sku") for choice in combo), title(combo))
            for combo in itertools.product(*groups)
        )
    found: dict[str, StoreVariant] = {}
    for variant in candidates:
        if variant.final_sku:
            found.setdefault(variant.final_sku, variant)
            if len(found) >= limit:
                break
    return list(found.values())


def _ids(value: object) -> list[int]:
    return [item for item in value if isinstance(item, int)] if isinstance(value, list) else []


def final_skus(raw: Mapping[str, Any], limit: int = MAX_SKUS) -> list[str]:
    """Every final SKU of the product shown, in the store's order, without duplicates, at most `limit`."""
    return [variant.final_sku for variant in variants(raw, limit)]
