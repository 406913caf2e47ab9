"""Final SKUs from a product show: from its inventory rows, or built from options and sub-options when the
vendor manages the product's stock (no rows); each variant's title from the option names; which listed
products are gift certificates."""

from __future__ import annotations

import json
from pathlib import Path

from connectors.brightsites.gift_certificates import is_gift_certificate
from connectors.brightsites.product_skus import StoreVariant, final_skus, variants

DATA = Path(__file__).parent / "data"


def documented_show() -> dict:
    return json.loads((DATA / "product_show.json").read_text())


def two_options(**overrides) -> dict:
    """Size (position 1) S/M with sub-SKUs, Colour (position 2) Black/White, one without a sub-SKU."""
    return {
        "sku": "TEE",
        "sku_separator": "_",
        "options": [
            {"id": 20, "name": "Colour", "position": 2},
            {"id": 10, "name": "Size", "position": 1},
            {"id": 30, "name": "Gift wrap", "position": 3},  # no sub-options: no part of any SKU
        ],
        "sub_options": [
            {"id": 3, "name": "White", "sub_sku": "", "position": 2, "product_option_id": 20},
            {"id": 1, "name": "M", "sub_sku": "M", "position": 2, "product_option_id": 10},
            {"id": 2, "name": "Black", "sub_sku": "BLK", "position": 1, "product_option_id": 20},
            {"id": 0, "name": "S", "sub_sku": "S", "position": 1, "product_option_id": 10},
        ],
        "inventories": [],
        **overrides,
    }


def test_documented_show_gives_the_final_sku_of_its_inventory_row():
    assert final_skus(documented_show()) == ["choc-1-GRN"]


def test_without_inventory_rows_the_same_sku_is_built_from_the_options():
    show = documented_show()
    show["inventories"] = []
    show["vendor_inventory_enabled"] = True

    assert final_skus(show) == ["choc-1-GRN"]


def test_options_and_sub_options_follow_their_positions_and_empty_sub_skus_add_nothing():
    assert final_skus(two_options()) == ["TEE_S_BLK", "TEE_S", "TEE_M_BLK", "TEE_M"]


def test_product_without_options_sells_its_own_sku():
    assert final_skus({"sku": " PEN-1 ", "options": [], "sub_options": [], "inventories": []}) == ["PEN-1"]
    assert final_skus({"sku": "", "inventories": []}) == []


def test_default_separator_and_row_sub_skus():
    show = two_options(sku_separator=None, inventories=[{"sub_sku": "S-BLK"}, {"sub_sku": None}])

    assert final_skus(show) == ["TEE-S-BLK", "TEE"]


def test_combinations_are_capped():
    assert final_skus(two_options(), limit=2) == ["TEE_S_BLK", "TEE_S"]


def test_variants_from_inventory_rows_carry_the_option_names_in_option_order():
    rows = [
        {"id": 1, "sub_sku": "M_BLK", "sub_option_ids": [2, 1]},  # colour first in the row: title by option
        {"id": 2, "sub_sku": "S", "sub_option_ids": [3, 0]},  # White has an empty sub-SKU
        {"id": 3, "sub_sku": "", "sub_option_ids": []},  # all empty: the base SKU alone
    ]
    assert variants(two_options(inventories=rows)) == [
        StoreVariant("TEE_M_BLK", "M / Black"),
        StoreVariant("TEE_S", "S / White"),
        StoreVariant("TEE", ""),
    ]


def test_variants_built_from_options_when_the_vendor_manages_stock():
    assert variants(two_options()) == [
        StoreVariant("TEE_S_BLK", "S / Black"),
        StoreVariant("TEE_S", "S / White"),
        StoreVariant("TEE_M_BLK", "M / Black"),
        StoreVariant("TEE_M", "M / White"),
    ]


def test_rows_spelled_the_same_are_one_variant_and_junk_ids_are_ignored():
    rows = [
        {"id": 1, "sub_sku": "S", "sub_option_ids": [0, [9], "x"]},
        {"id": 2, "sub_sku": "S", "sub_option_ids": [0, 3]},
    ]
    assert variants(two_options(inventories=rows)) == [StoreVariant("TEE_S", "S")]


def test_the_documented_show_has_one_variant():
    assert [v.final_sku for v in variants(documented_show())] == ["choc-1-GRN"]


def test_gift_certificates_by_name_or_sku():
    assert is_gift_certificate({"name": "Gift Certificate", "sku": "GIFTCERT"})
    assert is_gift_certificate({"name": "Holiday gift card", "sku": "HGC-50"})
    assert is_gift_certificate({"name": "Voucher", "sku": "gift_voucher-25"})
    assert not is_gift_certificate({"name": "Giftware mug", "sku": "GIFT-MUG"})
    assert not is_gift_certificate({"name": None, "sku": 12})
