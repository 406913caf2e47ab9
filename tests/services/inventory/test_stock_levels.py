"""Stock levels in bulk: the host-system API (PUT /api/v1/inventory) and the Products screen's CSV import,
with the same rules: absolute figures, all or nothing, every bad row named, the key's (or user's) account
only."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, insert, select

from extensions import db
from models.catalog import InventoryLevel, ProductVariant, StockAdjustment
from models.natural_order import natural_sort_key
from models.tenancy import Role
from services import api_keys
from tests.support.world import ROLE_EMAILS

URL = "/api/v1/inventory"


def key_for(account) -> str:
    _row, key = api_keys.create_key(account, "Reno WMS", None)
    db.session.commit()
    return key


def put(client, key: str, levels) -> object:
    return client.put(URL, json={"levels": levels}, headers={"Authorization": f"Bearer {key}"})


def figures(variant, warehouse) -> tuple[int, int] | None:
    db.session.expire_all()
    level = db.session.scalar(
        select(InventoryLevel).where(
            InventoryLevel.variant_id == variant.id, InventoryLevel.warehouse_id == warehouse.id
        )
    )
    return (level.on_hand, level.allocated) if level else None


def add_variant(tenant, sku: str) -> ProductVariant:
    variant = ProductVariant(account=tenant.account, title=sku)
    variant.set_sku(sku)
    tenant.product.variants.append(variant)
    db.session.commit()
    return variant


def adjustment_count() -> int:
    return db.session.scalar(select(func.count(StockAdjustment.id)))


# --- API ---------------------------------------------------------------------------------------------


def test_api_sets_absolute_levels_and_leaves_allocated_alone(client, world):
    key = key_for(world.a.account)
    second = add_variant(world.a, "TEE-L-NAVY")
    levels = [
        {"warehouse": world.a.warehouse.code, "sku": "tee-m-navy ", "on_hand": 25},  # case and spaces ignored
        {"warehouse": world.a.warehouse.code.lower(), "sku": "TEE-L-NAVY", "on_hand": 7},
    ]

    response = put(client, key, levels)

    assert response.status_code == 200, response.json
    assert response.json == {"received": 2, "changed": 2, "unchanged": 0}
    assert figures(world.a.variant, world.a.warehouse) == (25, 2)  # allocated is the orders', untouched
    assert figures(second, world.a.warehouse) == (7, 0)  # a new level
    history = db.session.scalars(select(StockAdjustment).order_by(StockAdjustment.id)).all()
    assert [(a.on_hand_before, a.on_hand_after) for a in history] == [(10, 25), (0, 7)]
    assert all("Stock API, key Reno WMS" in a.reason and a.user_id is None for a in history)

    again = put(client, key, levels)  # absolute figures: repeating changes nothing
    assert again.json == {"received": 2, "changed": 0, "unchanged": 2}
    assert adjustment_count() == 2


def test_api_is_as_strict_as_the_shipments_api(client, world):
    """A quantity sent as text and unknown fields are refused, not read or ignored (issue 26, info)."""
    key = key_for(world.a.account)
    code = world.a.warehouse.code
    response = put(client, key, [{"warehouse": code, "sku": "TEE-M-NAVY", "on_hand": "5", "note": "x"}])
    assert response.status_code == 422
    assert "Must be a JSON integer (a number, not text)." in response.json["errors"]["levels[0].on_hand"]
    assert response.json["errors"]["levels[0].note"] == ["Unknown field."]
    body = {"levels": [{"warehouse": code, "sku": "TEE-M-NAVY", "on_hand": 5}], "mode": "delta"}
    top = client.put(URL, json=body, headers={"Authorization": f"Bearer {key}"})
    assert top.status_code == 422 and top.json["errors"]["mode"] == ["Unknown field."]
    assert figures(world.a.variant, world.a.warehouse) == (10, 2) and adjustment_count() == 0


def test_csv_on_hand_takes_ascii_digits_only(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = upload(client, f"Warehouse,SKU,On hand\n{world.a.warehouse.code},TEE-M-NAVY,\u0661\u0662\n")
    assert response.status_code == 422 and "whole number" in response.get_data(as_text=True)
    assert figures(world.a.variant, world.a.warehouse) == (10, 2)


def test_api_bad_rows_apply_nothing_and_each_is_named(client, world):
    key = key_for(world.a.account)
    code = world.a.warehouse.code
    levels = [
        {"warehouse": code, "sku": "TEE-M-NAVY", "on_hand": 99},  # fine, but not applied
        {"warehouse": "NOWHERE", "sku": "TEE-M-NAVY", "on_hand": 1},
        {"warehouse": code, "sku": "NO-SUCH-SKU", "on_hand": 1},
        {"warehouse": code, "sku": "TEE-M-NAVY", "on_hand": -3},
        {"warehouse": code, "sku": "TEE-M-NAVY", "on_hand": 2.5},
        {"warehouse": code, "sku": "TEE-M-NAVY", "on_hand": True},
        {"warehouse": code, "sku": " tee-m-navy", "on_hand": 4},  # the first row's level again
        {"sku": "TEE-M-NAVY", "on_hand": 1},
        "not an object",
        {"warehouse": code, "sku": "TEE-M-NAVY", "on_hand": 10_000_001},
    ]

    response = put(client, key, levels)

    assert response.status_code == 422
    errors = response.json["errors"]
    assert errors["request"] == ["Nothing was applied: 9 of 10 rows cannot be accepted."]
    assert "NOWHERE" in errors["levels[1].warehouse"][0]
    assert "NO-SUCH-SKU" in errors["levels[2].sku"][0]
    for index in (3, 4, 5, 9):
        assert errors[f"levels[{index}].on_hand"] == ["On hand must be a whole number from 0 to 10,000,000."]
    assert "already given in levels[0]" in errors["levels[6]"][0]
    assert errors["levels[7].warehouse"] == ["Give the warehouse's code."]
    assert errors["levels[8]"] == ["Each level is an object with warehouse, sku and on_hand."]
    assert not any(name.startswith("levels[0]") for name in errors)
    assert figures(world.a.variant, world.a.warehouse) == (10, 2) and adjustment_count() == 0


def test_an_api_key_of_another_account_reaches_only_its_own_stock(client, world):
    key_b = key_for(world.b.account)
    # Account B sells the same SKU; A's warehouse code means nothing to B's key.
    response = put(client, key_b, [{"warehouse": world.a.warehouse.code, "sku": "TEE-M-NAVY", "on_hand": 0}])
    assert response.status_code == 422
    assert "is enabled for this account" in response.json["errors"]["levels[0].warehouse"][0]
    assert figures(world.a.variant, world.a.warehouse) == (10, 2)

    own = put(client, key_b, [{"warehouse": world.b.warehouse.code, "sku": "TEE-M-NAVY", "on_hand": 3}])
    assert own.status_code == 200
    assert figures(world.b.variant, world.b.warehouse) == (3, 2)
    assert figures(world.a.variant, world.a.warehouse) == (10, 2)  # A's variant with the same SKU: untouched


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'{"a":' * 2000 + b"1" + b"}" * 2000, "application/json", 400),  # nested past Python's recursion
        (b'{"levels": ' + b"[" * 2000 + b"]" * 2000 + b"}", "application/json", 400),
        (b'{"levels": []}', "application/json", 422),
        (b'{"levels": {"warehouse": "X"}}', "application/json", 422),
        (b"levels=1", "application/x-www-form-urlencoded", 415),
    ],
)
def test_api_unreadable_bodies_get_json_errors(client, world, body, content_type, status):
    key = key_for(world.a.account)
    response = client.put(
        URL, data=body, content_type=content_type, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == status and response.is_json and "errors" in response.json
    assert adjustment_count() == 0


def test_api_refuses_more_than_ten_thousand_levels_and_needs_a_key(client, world):
    key = key_for(world.a.account)
    row = {"warehouse": world.a.warehouse.code, "sku": "TEE-M-NAVY", "on_hand": 1}
    too_many = put(client, key, [row] * 10_001)
    assert too_many.status_code == 422 and "at most 10,000" in too_many.json["errors"]["levels"][0]
    assert client.put(URL, json={"levels": [row]}).status_code == 401
    assert figures(world.a.variant, world.a.warehouse) == (10, 2)


def test_a_large_batch_is_read_in_bulk_and_applied_whole(client, world):
    """Past 2,000 levels the account's variants and levels are read in one query each: same outcome."""
    key = key_for(world.a.account)
    db.session.execute(
        insert(ProductVariant),
        [
            {
                "product_id": world.a.product.id,
                "account_id": world.a.account.id,
                "sku": f"BULK-{n}",
                "sku_key": f"bulk-{n}",
                "sku_sort_key": natural_sort_key(f"BULK-{n}"),
            }
            for n in range(2_500)
        ],
    )
    variants = dict(db.session.execute(select(ProductVariant.sku, ProductVariant.id)).all())
    db.session.execute(  # every other variant already has a level
        insert(InventoryLevel),
        [
            {"variant_id": variants[f"BULK-{n}"], "warehouse_id": world.a.warehouse.id, "on_hand": 5}
            for n in range(0, 2_500, 2)
        ],
    )
    db.session.commit()
    code = world.a.warehouse.code
    levels = [
        {"warehouse": code, "sku": f"bulk-{n}", "on_hand": 5 if n % 4 == 0 else n} for n in range(2_500)
    ]

    response = put(client, key, levels)

    assert response.status_code == 200, response.json
    assert response.json == {"received": 2_500, "changed": 1_875, "unchanged": 625}  # 625: n % 4 == 0
    db.session.expire_all()
    stored = dict(
        db.session.execute(
            select(ProductVariant.sku, InventoryLevel.on_hand)
            .join(InventoryLevel)
            .where(ProductVariant.sku.like("BULK-%"))
        ).all()
    )
    assert stored == {
        f"BULK-{n}": level["on_hand"] for n, level in enumerate(levels) if level["on_hand"] or n % 2 == 0
    }
    assert adjustment_count() == 1_875


def test_the_openapi_document_describes_the_endpoint(client):
    described = client.get("/api/v1/openapi.json").json["paths"]["/inventory"]["put"]
    assert described["operationId"] == "setStockLevels"
    assert set(described["responses"]) >= {"200", "401", "422", "429"}


# --- CSV on the Products screen ------------------------------------------------------------------------


def upload(client, text: str, name: str = "levels.csv"):
    data = {"file": (io.BytesIO(text.encode()), name)}
    return client.post("/products/stock/import", data=data, content_type="multipart/form-data")


def test_csv_import_sets_the_levels_and_reports(client, world, login):
    second = add_variant(world.a, "TEE-L-NAVY")
    login(ROLE_EMAILS[Role.ORG_SUPERVISOR])
    code = world.a.warehouse.code

    response = upload(client, f"Warehouse,SKU,On hand\n{code},TEE-M-NAVY,30\n{code}, tee-l-navy ,4\n")
    assert response.status_code == 303  # post/redirect/get: Back does not send the file again
    assert client.get("/products/stock/import").status_code == 303
    response = client.get(response.headers["Location"])

    assert response.status_code == 200
    assert b"2 levels received: 2 changed, 0 already at that figure." in response.data
    assert figures(world.a.variant, world.a.warehouse) == (30, 2)
    assert figures(second, world.a.warehouse) == (4, 0)
    history = db.session.scalars(select(StockAdjustment)).all()
    assert {a.user_id for a in history} == {world.a.users[Role.ORG_SUPERVISOR].id}
    assert {a.reason for a in history} == {"CSV import"}


def test_csv_import_with_bad_rows_applies_nothing_and_lists_every_bad_line(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    code = world.a.warehouse.code
    text = (
        "Warehouse,SKU,On hand\n"
        f"{code},TEE-M-NAVY,30\n"  # line 2: fine
        f"ELSEWHERE,TEE-M-NAVY,1\n"  # line 3
        f"{code},GHOST,1\n"  # line 4
        f"{code},TEE-M-NAVY,lots\n"  # line 5 (and a repeat of line 2)
        f"{world.b.warehouse.code},TEE-M-NAVY,1\n"  # line 6: organization B's warehouse
    )

    response = upload(client, text)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was applied: 4 of 5 rows cannot be accepted." in page
    for line, words in (
        (3, "ELSEWHERE"),
        (4, "GHOST"),
        (5, "whole number"),
        (5, "already given in line 2"),
        (6, world.b.warehouse.code),
    ):
        assert f"<tr><td>{line}</td>" in page and words in page, (line, words)
    assert figures(world.a.variant, world.a.warehouse) == (10, 2) and adjustment_count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SKU,Warehouse,On hand\nX,Y,1\n", "The first line must be the header: Warehouse,SKU,On hand."),
        ("Warehouse,SKU,On hand\n" + "WH-A1,TEE-M-NAVY,1\n" * 10_001, "more than 10,000 rows"),
    ],
)
def test_a_refused_csv_file_applies_nothing(client, world, login, text, message):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = upload(client, text)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert figures(world.a.variant, world.a.warehouse) == (10, 2)


def test_account_users_may_not_import_stock(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert b"Import stock levels" not in client.get("/products/").data
    response = upload(client, f"Warehouse,SKU,On hand\n{world.a.warehouse.code},TEE-M-NAVY,0\n")
    assert response.status_code == 403
    assert figures(world.a.variant, world.a.warehouse) == (10, 2)
