"""CSV import and export of SKU and carrier mappings through the views."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, insert, select

from extensions import db
from models.catalog import Product, ProductVariant
from models.channels import AuditEvent, SalesChannel
from models.mappings import CarrierMapping, SkuMapping
from models.natural_order import natural_sort_key
from models.tenancy import Role
from services.mappings import csv_io
from tests.support.mappings import add_carrier_mapping, add_sku_mapping, add_variant, make_carriers
from tests.support.queries import recorded_statements
from tests.support.world import ROLE_EMAILS

HX = {"HX-Request": "true"}


@pytest.fixture
def admin(world, login):
    return login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])


def upload(client, channel, kind: str, content: bytes | str, name: str = "mappings.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        f"/channels/{channel.id}/mappings/{kind}/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=HX,
    )


def second_channel(world) -> SalesChannel:
    channel = SalesChannel(
        account_id=world.a.account.id, name="Second", shop_domain="second.mybrightsites.com"
    )
    db.session.add(channel)
    db.session.commit()
    return channel


def sku_rows(channel) -> list[tuple[str, str]]:
    return db.session.execute(
        select(SkuMapping.channel_sku, ProductVariant.sku)
        .join(SkuMapping.variant)
        .where(SkuMapping.channel_id == channel.id)
        .order_by(SkuMapping.channel_sku_key)
    ).all()


def carrier_rows(channel) -> list[tuple]:
    return db.session.execute(
        select(
            CarrierMapping.carrier_channel_code,
            CarrierMapping.service_channel_code,
            CarrierMapping.carrier_service_id,
            CarrierMapping.is_primary,
        )
        .where(CarrierMapping.channel_id == channel.id)
        .order_by(CarrierMapping.carrier_channel_key)
    ).all()


def test_sku_round_trip_into_a_fresh_channel(client, world, admin):
    channel = world.a.channel
    hoodie = add_variant(channel, "=HOODIE", "Hoodie")  # a formula-looking SKU survives the round trip
    add_sku_mapping(channel, "BS-TEE", world.a.variant)
    add_sku_mapping(channel, "@risky", hoodie)
    add_sku_mapping(channel, 'with "quotes", comma', hoodie)
    export = client.get(f"/channels/{channel.id}/mappings/skus/export")
    assert export.status_code == 200 and export.is_streamed
    assert export.headers["Content-Disposition"] == 'attachment; filename="C_SKU_Mappings.csv"'
    text = export.get_data(as_text=True)
    assert text.splitlines()[0] == "Sales Channel SKU,techOMS SKU"
    assert "'@risky,'=HOODIE" in text  # INP-05: formula-leading cells escaped

    fresh = second_channel(world)
    response = upload(client, fresh, "skus", text)
    assert response.status_code == 200 and b"created 3" in response.data
    assert sku_rows(fresh) == sku_rows(channel)


def test_carrier_round_trip_into_a_fresh_channel(client, world, admin):
    services = make_carriers()
    channel = world.a.channel
    add_carrier_mapping(channel, services["UPS", "GND"], "UPS Ground")
    add_carrier_mapping(channel, services["UPS", "GND"], "Ground", primary=True)
    add_carrier_mapping(channel, services["UPS", "2DA"], "UPS 2nd Day Air*")
    add_carrier_mapping(channel, services["FDX", "GND"], "FedEx", "Home Delivery")
    export = client.get(f"/channels/{channel.id}/mappings/carriers/export")
    assert export.headers["Content-Disposition"] == 'attachment; filename="C_Carrier_Mappings.csv"'
    text = export.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(csv_io.CARRIER_COLUMNS)
    fresh = second_channel(world)
    response = upload(client, fresh, "carriers", text)
    assert b"created 4" in response.data
    assert carrier_rows(fresh) == carrier_rows(channel)


def test_sku_file_with_good_and_bad_rows_reports_each_row(client, world, admin):
    channel = world.a.channel
    add_sku_mapping(channel, "EXISTING", world.a.variant)
    content = (
        "Sales Channel SKU,techOMS SKU\n"
        "NEW-1,tee-m-navy\n"
        " existing ,TEE-M-NAVY\n"
        "NEW-2,NO-SUCH-SKU\n"
        ",TEE-M-NAVY\n"
        "NEW-3\n"
        "new-1,TEE-M-NAVY\n"
        "\n"
    )
    response = upload(client, channel, "skus", content)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "created 1" in page and "already present 2" in page and "unknown 1" in page and "invalid 2" in page
    assert "No product variant has SKU NO-SUCH-SKU." in page
    assert "Sales Channel SKU is empty." in page and "Expected 2 columns." in page
    assert [row[0] for row in sku_rows(channel)] == ["EXISTING", "NEW-1"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sku_mappings_imported"))
    assert event.new_value == "created 1, already present 2, unknown 1, invalid 2"


def test_carrier_file_rows_and_primary_rule(client, world, admin):
    services = make_carriers()
    channel = world.a.channel
    add_carrier_mapping(channel, services["UPS", "GND"], "UPS Ground")  # primary of UPS/GND already
    content = (
        "Carrier Channel Code,Service Channel Code,Carrier System Code,Service System Code,Primary\n"
        "Ground,,ups,gnd,Yes\n"  # existing primary is kept: never overwrite
        "UPS 2 Day,,UPS,2DA,No\n"
        "UPS Two Day,,UPS,2DA,Yes\n"  # the file's Primary wins for a new pair
        "UPS Ground,,UPS,GND,No\n"
        "DHL,,DHL,EXP,No\n"
        "Air*,,UPS,NDA,Yes\n"
        "Something,,UPS,NDA,maybe\n"
    )
    response = upload(client, channel, "carriers", content)
    page = response.get_data(as_text=True)
    assert "created 3" in page and "already present 1" in page and "unknown 1" in page and "invalid 2" in page
    assert "No techOMS carrier service DHL/EXP." in page and "A wildcard code cannot be primary." in page
    primaries = {code for code, _s, _id, primary in carrier_rows(channel) if primary}
    assert primaries == {"UPS Ground", "UPS Two Day"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Sales Channel SKU,techOMS SKU\nCAFÉ,TEE-M-NAVY\n".encode("latin-1"), "is not UTF-8"),
        (b"SKU,Variant\nA,TEE-M-NAVY\n", "The first line must be the header"),
        (b"", "The first line must be the header"),
        (b"Sales Channel SKU,techOMS SKU\nA,TEE\0\n", "NUL characters"),
        (b"Sales Channel SKU,techOMS SKU\n" + b"A,TEE-M-NAVY\n" * 100_001, "more than 100,000 rows"),
        (b"Sales Channel SKU,techOMS SKU\n" + b"x" * (10 * 1024 * 1024), "larger than 10 MB"),
    ],
    ids=["encoding", "header", "empty", "nul", "rows", "size"],
)
def test_malformed_files_are_refused_whole(client, world, admin, content, message):
    response = upload(client, world.a.channel, "skus", content)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SkuMapping)) == 0
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sku_mappings_imported")) is None


def test_missing_file_is_a_form_error(client, world, admin):
    response = client.post(f"/channels/{world.a.channel.id}/mappings/skus/import", data={}, headers=HX)
    assert response.status_code == 422 and b"Choose a CSV file." in response.data


def test_a_50000_row_file_imports_in_a_few_statements(client, world, admin):
    """The rows go in bulk, not one statement per row (the time it takes is measured by bench/mappings.py)."""
    channel = world.a.channel
    product = Product(account_id=channel.account_id, name="Bulk")
    db.session.add(product)
    db.session.flush()
    db.session.execute(
        insert(ProductVariant),
        [
            {
                "product_id": product.id,
                "account_id": channel.account_id,
                "sku": f"V-{n:05d}",
                "sku_key": f"v-{n:05d}",
                "sku_sort_key": natural_sort_key(f"V-{n:05d}"),
            }
            for n in range(50_000)
        ],
    )
    db.session.commit()
    content = "Sales Channel SKU,techOMS SKU\n" + "".join(f"CH-{n:05d},V-{n:05d}\n" for n in range(50_000))
    with recorded_statements() as statements:
        response = upload(client, channel, "skus", content)
    assert response.status_code == 200 and b"created 50000" in response.data
    assert b"The first 1000 rows are listed." in response.data
    assert db.session.scalar(select(func.count()).select_from(SkuMapping)) == 50_000
    inserts = [s for s in statements if s.startswith("INSERT INTO sku_mapping")]
    # In bulk: one executemany (SQLAlchemy may split it in batches of 1000 rows), never a statement per row;
    # the rest is the request's fixed cost, whatever the number of rows.
    assert 1 <= len(inserts) <= 50 and len(statements) - len(inserts) < 30, statements
