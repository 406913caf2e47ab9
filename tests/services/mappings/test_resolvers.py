"""The resolvers the sync engine calls: SKUs, carriers both ways, published warehouses."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from extensions import db
from models.catalog import Warehouse
from models.mappings import CarrierMapping, WarehouseMapping
from services.mappings.resolvers import CarrierResolver, SkuResolver, mapped_warehouse_ids
from tests.support.mappings import add_carrier_mapping, add_sku_mapping, add_variant, make_carriers


@pytest.fixture
def services(world):
    return make_carriers()


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


# --- SKUs ---------------------------------------------------------------------------------------------------


def test_explicit_mapping_wins_over_identity_and_ignores_case_and_spaces(world):
    channel = world.a.channel
    other = add_variant(channel, "OTHER-1")
    add_sku_mapping(channel, "  Store-Sku-1 ", other)
    # TEE-M-NAVY is the world's variant: a mapping of that very text points elsewhere.
    add_sku_mapping(channel, "tee-m-navy", other)
    resolved = SkuResolver(channel).resolve_many(["store-sku-1", "STORE-SKU-1  ", "TEE-M-NAVY"])
    assert resolved == {"store-sku-1": other.id, "STORE-SKU-1  ": other.id, "TEE-M-NAVY": other.id}


def test_identity_fallback_maps_an_equal_techoms_sku_of_the_account_only(world):
    channel = world.a.channel
    resolved = SkuResolver(channel).resolve_many([" tee-m-navy", "NOPE"])
    assert resolved == {" tee-m-navy": world.a.variant.id}
    # Organization B's variant has the same SKU but belongs to another account.
    assert SkuResolver(world.b.channel).resolve_many(["TEE-M-NAVY"]) == {"TEE-M-NAVY": world.b.variant.id}


def test_blank_and_empty_skus_never_resolve(world):
    assert SkuResolver(world.a.channel).resolve_many(["", "   ", None]) == {}


def test_mapping_of_another_channel_does_not_apply(world):
    variant = add_variant(world.b.channel, "B-ONLY")
    add_sku_mapping(world.b.channel, "SHARED", variant)
    assert SkuResolver(world.a.channel).resolve_many(["SHARED"]) == {}


@pytest.mark.parametrize("count", [3, 6_000])
def test_resolve_many_costs_at_most_two_queries(world, count):
    channel = world.a.channel
    variant = add_variant(channel, "X-1")
    add_sku_mapping(channel, "MAPPED", variant)
    skus = ["MAPPED", "TEE-M-NAVY"] + [f"UNKNOWN-{n}" for n in range(count)]
    resolver = SkuResolver(channel)
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        resolved = resolver.resolve_many(skus)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    assert resolved == {"MAPPED": variant.id, "TEE-M-NAVY": world.a.variant.id}
    assert counter.count <= 2


# --- carriers -----------------------------------------------------------------------------------------------


def test_exact_match_ignores_case_and_whitespace(world, services):
    add_carrier_mapping(world.a.channel, services["UPS", "GND"], "UPS  Ground")
    resolver = CarrierResolver(world.a.channel)
    assert resolver.to_system("ups ground") == ("UPS", "GND")
    assert resolver.to_system("  UPS\tGROUND ") == ("UPS", "GND")
    assert resolver.to_system("UPS Grounds") is None


def test_exact_beats_wildcard_and_longest_prefix_wins(world, services):
    channel = world.a.channel
    add_carrier_mapping(channel, services["UPS", "GND"], "UPS*")
    add_carrier_mapping(channel, services["UPS", "2DA"], "UPS 2nd Day Air*")
    add_carrier_mapping(channel, services["UPS", "2DAS"], "UPS 2nd Day Air Saver")
    add_carrier_mapping(channel, services["FDX", "GND"], "*Ground")
    resolver = CarrierResolver(channel)
    assert resolver.to_system("UPS 2nd Day Air Saver") == ("UPS", "2DAS")  # exact
    assert resolver.to_system("UPS 2nd Day Air AM") == ("UPS", "2DA")  # longer prefix than "UPS*"
    assert resolver.to_system("UPS 2nd Day Air") == ("UPS", "2DA")  # * matches nothing too
    assert resolver.to_system("UPS Next Day Air") == ("UPS", "GND")
    assert resolver.to_system("UPS Ground") == ("UPS", "GND")  # "UPS*" has a longer prefix than "*Ground"
    assert resolver.to_system("FedEx Ground") == ("FDX", "GND")
    assert resolver.to_system("Will Call") is None
    assert resolver.to_system("") is None and resolver.to_system(None) is None


def test_service_code_narrows_the_match(world, services):
    channel = world.a.channel
    add_carrier_mapping(channel, services["UPS", "GND"], "UPS")
    add_carrier_mapping(channel, services["UPS", "NDA"], "UPS", "Next Day")
    resolver = CarrierResolver(channel)
    assert resolver.to_system("UPS", "next  day") == ("UPS", "NDA")
    assert resolver.to_system("UPS", "Something else") == ("UPS", "GND")  # a row without service takes any
    assert resolver.to_system("UPS") == ("UPS", "GND")


def test_to_channel_returns_the_primary_row(world, services):
    channel = world.a.channel
    service = services["UPS", "2DA"]
    first = add_carrier_mapping(channel, service, "UPS 2nd Day Air")
    second = add_carrier_mapping(channel, service, "UPS Two Day", "Express")
    assert first.is_primary and not second.is_primary  # the first row of a pair becomes primary
    assert CarrierResolver(channel).to_channel("UPS", "2DA") == ("UPS 2nd Day Air", None)
    add_carrier_mapping(channel, service, "UPS 2 Day", primary=True)
    assert CarrierResolver(channel).to_channel("ups", "2da") == ("UPS 2 Day", None)
    primaries = db.session.scalars(
        select(CarrierMapping).where(
            CarrierMapping.carrier_service_id == service.id, CarrierMapping.is_primary
        )
    ).all()
    assert len(primaries) == 1
    assert CarrierResolver(channel).to_channel("UPS", "NDA") is None


def test_wildcard_rows_are_never_primary(world, services):
    channel = world.a.channel
    service = services["UPS", "GND"]
    wildcard = add_carrier_mapping(channel, service, "UPS Ground*")
    assert not wildcard.is_primary
    assert CarrierResolver(channel).to_channel("UPS", "GND") is None
    exact = add_carrier_mapping(channel, service, "UPS Ground")
    assert exact.is_primary
    assert CarrierResolver(channel).to_channel("UPS", "GND") == ("UPS Ground", None)


# --- warehouses ---------------------------------------------------------------------------------------------


def test_mapped_warehouse_ids_only_counts_warehouses_enabled_for_the_account(world):
    channel = world.a.channel
    disabled = Warehouse(organization=world.a.organization, code="WH-OFF", name="Not enabled")
    db.session.add(disabled)
    db.session.flush()
    db.session.add_all(
        [
            WarehouseMapping(
                channel_id=channel.id, warehouse_id=world.a.warehouse.id, external_identifier="1"
            ),
            WarehouseMapping(channel_id=channel.id, warehouse_id=disabled.id, external_identifier="2"),
        ]
    )
    db.session.commit()
    assert mapped_warehouse_ids(channel) == [world.a.warehouse.id]
    assert mapped_warehouse_ids(world.b.channel) == []
