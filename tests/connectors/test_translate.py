"""translate.py on the documentation examples and on edge cases of real stores."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.brightsites import translate

DATA = Path(__file__).parent / "data"


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def test_show_order_example_translates_to_an_order_record():
    record = translate.order(load("order_show.json"))

    assert record.external_id == 1
    assert record.number == "1"
    assert record.status == "new"
    assert record.created_at == datetime(2015, 8, 25, 11, 6, 36, tzinfo=UTC)  # -06:00 read as offset
    assert record.item_total == Decimal("4703.0")
    assert record.grand_total == Decimal("3069.15")
    assert record.shipping_total == Decimal("0.0")
    assert record.customer_name == "John Doe"
    assert record.customer_email == "test@johndoe.com"
    assert record.customer_phone == "1234123456"
    assert record.shipping_method == "Best Way"
    assert record.tracking_number == "12234tracking2123"
    assert record.currency is None


def test_show_order_addresses_get_iso_codes_and_keep_the_raw_text():
    shipping = translate.order(load("order_show.json")).shipping_address

    assert (shipping.country, shipping.country_code) == ("United States", "US")
    assert (shipping.subdivision, shipping.subdivision_code) == ("New York", "NY")
    assert shipping.line1 == "2658 East 26th Street"
    assert shipping.line2 == "John Doe"  # second_address holding a person's name is kept as is
    assert shipping.company == "Testco LLC"
    assert (shipping.first_name, shipping.last_name) == ("John", "Doe")
    assert shipping.postal_code == "11235"


def test_show_order_lines_keep_ids_skus_money_and_the_gift_certificate_flag():
    product_line, gift_line = translate.order(load("order_show.json")).lines

    assert product_line.external_line_id == 1234
    assert product_line.sku == "sku"
    assert product_line.quantity == 18
    assert product_line.unit_price == Decimal("155.0")
    assert product_line.total_price == Decimal("2790.0")
    assert product_line.sub_option_ids == (152,)
    assert product_line.product_id == 10
    assert product_line.is_physical is True
    assert product_line.note == "Product note example"
    assert gift_line.external_line_id == 10139
    assert gift_line.is_physical is False


def test_show_order_shipments_are_read():
    (shipment,) = translate.order(load("order_show.json")).shipments

    assert shipment.external_id == 14
    assert shipment.ship_date == date(2019, 10, 20)
    assert shipment.lines == ((1234, 1),)


def test_update_order_example_with_string_line_id_and_option_names_only():
    record = translate.order(load("order_update.json"))

    assert record.external_id == 9
    assert record.status == "completed"
    assert record.grand_total == Decimal("136.11")
    assert record.shipping_total == Decimal("25.55")
    assert record.tax_total == Decimal("7.88") + Decimal("2.68")  # "sales tax" + "shipping sales tax"
    assert record.billing_address.subdivision_code == "NY"
    assert record.shipping_address.subdivision_code == "WA"
    (line,) = record.lines
    assert line.external_line_id == 1234
    assert line.sku == "Shoes-1234"
    assert line.sub_option_ids == ()
    assert line.product_id is None
    assert line.unit_price == Decimal("37.5")


def test_legacy_put_shape_with_date_only():
    raw = load("order_update.json")
    raw["date"] = raw.pop("created_at")
    del raw["updated_at"]

    record = translate.order(raw)

    assert record.created_at == datetime(2016, 3, 30, 4, 53, 3, tzinfo=UTC)
    assert record.updated_at is None  # `date` is the creation time, not the update time


def test_show_without_update_time_is_a_translation_error():
    raw = load("order_show.json")
    del raw["updated_at"]

    with pytest.raises(translate.TranslationError):
        translate.order(raw)  # never the creation time in its place


def test_inventories_example_translates_to_rows():
    rows = [translate.inventory_row(item) for item in load("inventories.json")["inventories"]]

    assert [(r.product_id, r.inventory_id, r.sku, r.quantity) for r in rows] == [
        (44371, 2871, "DM4310-XXS-Blk", 999),
        (44371, 2872, "DM4310-XXS-Dkb", 0),
    ]
    assert rows[0].sub_option_ids == (734290, 734297)
    assert rows[0].product_sku == "DM4310"


def test_inventory_batch_items_have_the_documented_shape():
    payload = {"inventories": translate.inventory_batch_items([(2871, 100), (2872, 500)])}

    documented = load("inventories_batch_update_request.json")
    assert payload == {
        "inventories": [{"id": i["id"], "inventory": i["inventory"]} for i in documented["inventories"]]
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("155.0", Decimal("155.0")),
        ("0.1", Decimal("0.1")),
        ("-1080.0", Decimal("-1080.0")),
        ("$82.00", Decimal("82.00")),
        (None, Decimal("0")),
        ("", Decimal("0")),
    ],
)
def test_money_is_exact(value, expected):
    assert translate.money(value) == expected


def test_money_sums_stay_exact():
    total = sum((translate.money("0.1") for _ in range(10)), Decimal("0"))
    assert total == Decimal("1.0")


@pytest.mark.parametrize(
    "value",
    [
        "2025-05-14T18:36:25.000Z",
        "2025-05-14T12:36:25-06:00",
        "2025-05-14T11:36:25.000-07:00",
        "2025-05-14T18:36:25+00:00",
    ],
)
def test_timestamps_with_any_offset_become_utc(value):
    assert translate.timestamp(value) == datetime(2025, 5, 14, 18, 36, 25, tzinfo=UTC)


def test_naive_timestamps_are_read_in_the_store_timezone():
    denver = ZoneInfo("America/Denver")

    assert translate.timestamp("2025-01-14T12:00:00", denver) == datetime(2025, 1, 14, 19, 0, tzinfo=UTC)
    assert translate.timestamp("2025-07-14T12:00:00", denver) == datetime(2025, 7, 14, 18, 0, tzinfo=UTC)
    assert translate.timestamp("2025-07-14T12:00:00").tzinfo is UTC


def test_naive_order_timestamps_use_the_given_timezone():
    raw = load("order_show.json")
    raw["created_at"] = raw["updated_at"] = "2015-08-25 05:06:36"

    record = translate.order(raw, ZoneInfo("America/Denver"))

    assert record.created_at == datetime(2015, 8, 25, 11, 6, 36, tzinfo=UTC)


@pytest.mark.parametrize(
    ("country", "state", "country_code", "state_code"),
    [
        ("United States", "Illinois", "US", "IL"),
        ("United States", "District of Columbia", "US", "DC"),
        ("USA", "texas", "US", "TX"),
        ("Canada", "Québec", "CA", "QC"),
        ("Canada", "Quebec", "CA", "QC"),
        ("United Kingdom", "England", "GB", "ENG"),
        ("Germany", "Bayern", "DE", "BY"),
        ("Narnia", "Cair Paravel", None, None),
        ("United States", "Atlantis", "US", None),
        ("", "", None, None),
    ],
)
def test_countries_and_subdivisions(country, state, country_code, state_code):
    result = translate.address({"country": country, "state": state}, {})

    assert (result.country_code, result.subdivision_code) == (country_code, state_code)
    assert (result.country, result.subdivision) == (country, state)  # raw text always kept


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("John", "Doe", ("John", "Doe")),
        ("Mary Ann Smith", "", ("Mary Ann", "Smith")),
        ("", "Cher", ("Cher", "")),
        (" Ava ", None, ("Ava", "")),
        (None, None, ("", "")),
    ],
)
def test_split_name(first, last, expected):
    assert translate.split_name(first, last) == expected


def test_final_sku_is_stripped():
    line = translate.order_line(
        {
            "id": 5,
            "final_sku": "  BS-0007-M-NAVY ",
            "quantity": 2,
            "unit_price": "9.99",
            "total_price": "19.98",
            "gift_certificate": None,
        }
    )

    assert line.sku == "BS-0007-M-NAVY"
    assert line.quantity == 2


def test_shipment_payload_has_the_documented_shape():
    payload = translate.shipment_payload(
        [(1234, 1), (1235, 2)],
        tracking_number=" 1Z999 ",
        shipping_method="UPS Ground",
        ship_date=date(2025, 5, 14),
        note="Box 1 of 2",
    )

    assert payload == {
        "shipment": {
            "line_items": [{"id": 1234, "quantity": 1}, {"id": 1235, "quantity": 2}],
            "send_shipping_confirmation": False,
            "tracking_number": "1Z999",
            "shipping_method": "UPS Ground",
            "ship_date": "2025-05-14",
            "note": "Box 1 of 2",
        }
    }


@pytest.mark.parametrize(
    "kwargs",
    [{"lines": []}, {"lines": [(1, 0)]}, {"lines": [(1, 1)], "note": "x" * 256}],
)
def test_shipment_payload_refuses_what_the_store_would_reject(kwargs):
    with pytest.raises(ValueError):
        translate.shipment_payload(**kwargs)


def test_order_update_fields_only_carry_what_changes():
    fields = translate.order_update_fields(
        status="shipped", tracking_number="1Z1", ship_date=date(2025, 1, 2)
    )

    assert fields == {"status": "shipped", "tracking_number": "1Z1", "ship_date": "2025-01-02"}


def test_missing_order_id_is_a_translation_error():
    raw = load("order_show.json")
    del raw["order_id"]

    with pytest.raises(translate.TranslationError):
        translate.order(raw)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"order_id": 7, "status": "new"}', {"order_id": 7, "status": "new"}),
        ('{"order": {"order_id": 7}}', {"order_id": 7}),  # wrapped, as API writes are
        (b'{"order": 7, "id": 3}', {"order": 7, "id": 3}),  # an "order" that is no object is no wrapper
        (b"[1, 2]", None),
        (b"not json", None),
        (b"\xff\xfe\x00", None),
    ],
)
def test_push_document_parses_and_unwraps_a_pushed_order(body, expected):
    assert translate.push_document(body) == expected
