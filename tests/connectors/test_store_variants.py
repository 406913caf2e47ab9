"""A store product's variants from its show: final SKU (empty sub-SKUs included) and a title from the
option names in option order; and which listed products are gift certificates."""

from __future__ import annotations

from connectors.brightsites.gift_certificates import is_gift_certificate
from connectors.brightsites.product_skus import StoreVariant, variants
from tests.connectors.test_product_skus import documented_show, two_options


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
