"""A store product's show as Import products reads it: its variants (each SKU once, none too long), its
measures in grams and millimetres with the store's text kept, its name; MalformedProduct when it cannot be
read (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.brightsites.product_skus import StoreVariant, variants
from models.catalog import sku_key
from models.store_catalog import MEASURE_LENGTH, SKU_LENGTH
from services import catalog_units
from services.catalog_units import MalformedMeasure

NAME_LENGTH = 200
MEASURES = ("weight", "length", "width", "height")


class MalformedProduct(ValueError):
    """The store's product cannot be read into techOMS (a measure that is no number, no SKU at all)."""


@dataclass(frozen=True)
class Measures:
    weight_g: int | None
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    raw: dict[str, str | None]


def measures(shown: Mapping[str, Any], weight_unit: str, length_unit: str) -> Measures:
    try:
        return Measures(
            catalog_units.grams(shown.get("weight"), weight_unit),
            catalog_units.millimetres(shown.get("length"), length_unit),
            catalog_units.millimetres(shown.get("width"), length_unit),
            catalog_units.millimetres(shown.get("height"), length_unit),
            {name: raw_measure(shown.get(name)) for name in MEASURES},
        )
    except MalformedMeasure as error:
        raise MalformedProduct(f"its measures cannot be read: {error}") from None


def readable_variants(shown: Mapping[str, Any]) -> list[StoreVariant]:
    """The product's variants; MalformedProduct when it has no SKU or one longer than the column."""
    store_variants = variants(shown)
    if not store_variants:
        raise MalformedProduct("it has no SKU")
    too_long = [v.final_sku for v in store_variants if len(v.final_sku) > SKU_LENGTH]
    if too_long:
        raise MalformedProduct(f"the SKU {too_long[0][:40]}… is longer than {SKU_LENGTH} characters")
    return store_variants


def unique_skus(store_variants: list[StoreVariant]) -> list[StoreVariant]:
    """The first variant of each SKU (by its key): a store may repeat one."""
    firsts: dict[str, StoreVariant] = {}
    for store_variant in store_variants:
        firsts.setdefault(sku_key(store_variant.final_sku), store_variant)
    return list(firsts.values())


def safe_variants(raw: object) -> list[StoreVariant]:
    return variants(raw) if isinstance(raw, Mapping) else []


def clean_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def raw_measure(value: object) -> str | None:
    return clean_text(value)[:MEASURE_LENGTH] or None


def product_name(shown: Mapping[str, Any], listed: Mapping[str, Any]) -> str:
    return (clean_text(shown.get("name")) or clean_text(listed.get("name")) or clean_text(shown.get("sku")))[
        :NAME_LENGTH
    ]
