"""The three mapping views: add / edit / delete, uniqueness messages, audit, permissions, htmx fragments,
Auto-map and Unmapped against a simulator store."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from extensions import db
from models.channels import AuditEvent, SalesChannel
from models.mappings import CarrierMapping, SkuMapping, WarehouseMapping
from models.tenancy import Role
from tests.support import channel_steps
from tests.support.mappings import add_carrier_mapping, add_sku_mapping, add_variant, make_carriers
from tests.support.world import ROLE_EMAILS

HX = {"HX-Request": "true"}


def base(channel) -> str:
    return f"/channels/{channel.id}/mappings"


def audit_actions(channel) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.channel_id == channel.id)))


@pytest.fixture
def admin(world, login):
    return login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])


# --- views --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["warehouses", "carriers", "skus", "skus/unmapped"])
def test_views_render_as_pages_and_fragments(client, world, login, view):
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    url = f"{base(world.a.channel)}/{view}"
    page = client.get(url)
    assert page.status_code == 200 and b"<html" in page.data and b"Warehouse Mappings" in page.data
    fragment = client.get(url, headers=HX)
    assert (
        fragment.status_code == 200 and b"<html" not in fragment.data and b'id="view-tabs"' in fragment.data
    )
    # Read-only for account users: no add forms.
    assert b"Add mapping" not in page.data


def test_store_failure_is_a_message_not_an_error(client, world, admin):
    # The world's channel points at a store the simulator does not know.
    page = client.get(f"{base(world.a.channel)}/warehouses")
    assert page.status_code == 200
    assert b"Could not read the store&#39;s origin addresses" in page.data


# --- warehouses ---------------------------------------------------------------------------------------------


def test_map_and_unmap_a_warehouse(client, world, admin):
    channel, warehouse = world.a.channel, world.a.warehouse
    url = f"{base(channel)}/warehouses/{warehouse.id}"
    response = client.post(url, data={"external_identifier": " 2 ", "action": "save"}, headers=HX)
    assert response.status_code == 200 and b"mapped to 2" in response.data and b"<html" not in response.data
    assert db.session.scalar(select(WarehouseMapping.external_identifier)) == "2"
    response = client.post(url, data={"external_identifier": "x" * 65})
    assert response.status_code == 422 and b"Field cannot be longer than 64 characters." in response.data
    response = client.post(url, data={"external_identifier": "2", "action": "remove"})
    assert response.status_code == 303
    assert db.session.scalar(select(WarehouseMapping)) is None
    assert audit_actions(channel) == ["warehouse_mapping_set", "warehouse_mapping_removed"]


def test_warehouse_not_enabled_for_the_account_is_404(client, world, admin):
    response = client.post(f"{base(world.a.channel)}/warehouses/{world.b.warehouse.id}", data={})
    assert response.status_code == 404


# --- carriers -----------------------------------------------------------------------------------------------


def carrier_form(services, code="UPS Ground", service="", system=("UPS", "GND"), primary=False) -> dict:
    chosen = services[system]
    data = {
        "carrier_channel_code": code,
        "service_channel_code": service,
        "carrier_id": str(chosen.carrier_id),
        "carrier_service_id": str(chosen.id),
    }
    if primary:
        data["is_primary"] = "y"
    return data


def test_add_edit_primary_and_delete_carrier_mappings(client, world, admin):
    services = make_carriers()
    channel = world.a.channel
    response = client.post(f"{base(channel)}/carriers", data=carrier_form(services), headers=HX)
    assert response.status_code == 200 and b"Saved: UPS Ground" in response.data
    response = client.post(f"{base(channel)}/carriers", data=carrier_form(services, code="ups  GROUND"))
    assert response.status_code == 422 and b"is already mapped on this channel" in response.data
    response = client.post(
        f"{base(channel)}/carriers", data=carrier_form(services, code="Ground*", primary=True)
    )
    assert response.status_code == 422 and b"A wildcard code cannot be primary" in response.data
    mismatched = carrier_form(services, code="FedEx Ground")
    mismatched["carrier_id"] = str(services["FDX", "GND"].carrier_id)
    response = client.post(
        f"{base(channel)}/carriers", data=mismatched | {"carrier_service_id": str(services["UPS", "GND"].id)}
    )
    assert response.status_code == 422
    assert "UPS / GND is a service of UPS, not of FDX: choose one of FDX's services." in unescaped(response)
    assert service_options(response) == [
        "FDX / GND · FedEx Ground"
    ]  # the select offers FedEx's services only

    client.post(f"{base(channel)}/carriers", data=carrier_form(services, code="Ground"))
    first, second = db.session.scalars(select(CarrierMapping).order_by(CarrierMapping.id)).all()
    assert first.is_primary and not second.is_primary
    assert client.post(f"{base(channel)}/carriers/{second.id}/primary").status_code == 303
    db.session.expire_all()
    assert not first.is_primary and second.is_primary

    edit = f"{base(channel)}/carriers/{first.id}/edit"
    assert b"Edit mapping" in client.get(edit, headers=HX).data
    response = client.post(edit, data=carrier_form(services, code="UPS Ground", system=("UPS", "NDA")))
    assert response.status_code == 303
    db.session.expire_all()
    assert first.carrier_service_id == services["UPS", "NDA"].id and first.is_primary  # first of its new pair

    assert client.post(f"{base(channel)}/carriers/{second.id}/delete").status_code == 303
    assert db.session.scalars(select(CarrierMapping.id)).all() == [first.id]
    actions = audit_actions(channel)
    assert actions.count("carrier_mapping_added") == 2 and "carrier_primary_set" in actions
    assert "carrier_mapping_changed" in actions and "carrier_mapping_removed" in actions


def unescaped(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def service_options(response) -> list[str]:
    """The labels of the service select's options, "Choose…" left out."""
    select = unescaped(response).split('id="carrier_service_id"')[1].split("</select>")[0]
    return [label for label in re.findall(r"<option[^>]*>([^<]*)</option>", select) if "Choose" not in label]


def test_choosing_a_carrier_narrows_the_service_select_to_its_services(client, world, admin):
    services = make_carriers()
    channel = world.a.channel
    url = f"{base(channel)}/carriers/services"
    ups, fdx = services["UPS", "GND"].carrier_id, services["FDX", "GND"].carrier_id
    every = service_options(client.get(f"{base(channel)}/carriers"))
    assert (
        "UPS / NDA · Next Day Air" in every and "FDX / GND · FedEx Ground" in every
    )  # no carrier chosen yet

    fedex = client.get(url, query_string={"carrier_id": fdx}, headers=HX)
    assert fedex.status_code == 200 and 'id="carrier-service-field"' in unescaped(fedex)
    assert "<html" not in unescaped(fedex) and service_options(fedex) == ["FDX / GND · FedEx Ground"]
    kept = client.get(
        url, query_string={"carrier_id": ups, "carrier_service_id": services["UPS", "NDA"].id}, headers=HX
    )
    assert re.search(r"<option selected value=\"\d+\">UPS / NDA", unescaped(kept))
    dropped = client.get(
        url, query_string={"carrier_id": fdx, "carrier_service_id": services["UPS", "NDA"].id}, headers=HX
    )
    assert '<option selected value="">Choose a service…' in unescaped(dropped)
    assert len(service_options(client.get(url, query_string={"carrier_id": "x"}, headers=HX))) == len(every)


def test_the_service_select_follows_permissions_and_tenancy(client, world, login):
    make_carriers()
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    assert client.get(f"{base(world.a.channel)}/carriers/services", headers=HX).status_code == 403
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    assert client.get(f"{base(world.b.channel)}/carriers/services", headers=HX).status_code == 404


def test_carrier_page_suggests_the_store_shipping_methods(client, world, admin, simulator, bs_store):
    channel_id = channel_steps.create_channel(client, bs_store)
    page = client.get(f"/channels/{channel_id}/mappings/carriers")
    assert b'<datalist id="shipping-methods"><option value="FedEx 2 Day">' in page.data
    calls = simulator.calls(bs_store)["total"]
    client.get(f"/channels/{channel_id}/mappings/carriers")  # cached: no second call
    assert simulator.calls(bs_store)["total"] == calls
    response = client.post(
        f"/channels/{channel_id}/mappings/refresh", data={"kind": "shipping_methods"}, headers=HX
    )
    assert b"Read 10 shipping methods from the store." in response.data
    assert simulator.calls(bs_store)["total"] == calls + 1


# --- SKUs ---------------------------------------------------------------------------------------------------


def test_add_edit_delete_sku_mappings_with_the_picker(client, world, admin):
    channel = world.a.channel
    other = add_variant(channel, "HOODIE-L", "Hoodie")
    picker = client.get(f"{base(channel)}/skus/variants", query_string={"variant_q": "hood"}, headers=HX)
    assert b"HOODIE-L" in picker.data and b"TEE-M-NAVY" not in picker.data and b"<html" not in picker.data
    by_sku = client.get(f"{base(channel)}/skus/variants", query_string={"variant_q": "tee-m"}, headers=HX)
    assert b"TEE-M-NAVY" in by_sku.data

    response = client.post(
        f"{base(channel)}/skus",
        data={"channel_sku": " BS-Tee-M ", "variant_id": world.a.variant.id},
        headers=HX,
    )
    assert response.status_code == 200 and b"Saved: BS-Tee-M" in response.data
    duplicate = client.post(f"{base(channel)}/skus", data={"channel_sku": "bs-tee-m", "variant_id": other.id})
    assert duplicate.status_code == 422 and b"BS-Tee-M is already mapped to TEE-M-NAVY." in duplicate.data
    foreign = client.post(
        f"{base(channel)}/skus", data={"channel_sku": "X", "variant_id": world.b.variant.id}
    )
    assert foreign.status_code == 422 and b"Choose a product variant" in foreign.data
    huge = client.post(
        f"{base(channel)}/skus", data={"channel_sku": "X", "variant_id": "99999999999999999999"}
    )
    assert huge.status_code == 422

    mapping = db.session.scalar(select(SkuMapping))
    edit = f"{base(channel)}/skus/{mapping.id}/edit"
    form = client.get(edit)
    assert b'data-testid="current-techoms-sku">TEE-M-NAVY' in form.data
    assert client.post(edit, data={"channel_sku": "BS-Tee-M", "variant_id": other.id}).status_code == 303
    db.session.expire_all()
    assert mapping.variant_id == other.id

    assert client.post(f"{base(channel)}/skus/{mapping.id}/delete").status_code == 303
    assert db.session.scalar(select(SkuMapping)) is None
    assert audit_actions(channel) == ["sku_mapping_added", "sku_mapping_changed", "sku_mapping_removed"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sku_mapping_changed"))
    assert (event.field, event.old_value, event.new_value) == ("BS-Tee-M", "TEE-M-NAVY", "HOODIE-L")


def test_list_is_paginated_and_searched_by_prefix(client, world, admin):
    channel = world.a.channel
    for n in range(60):
        add_sku_mapping(channel, f"CH-{n:03d}", world.a.variant) if n else None
    add_sku_mapping(channel, "other-1", world.a.variant)
    page = client.get(f"{base(channel)}/skus")
    assert b"60 mappings" in page.data and b"Page 1 of 2" in page.data
    second = client.get(f"{base(channel)}/skus?page=2", headers={**HX, "HX-Target": "sku-results"})
    assert (
        b'id="sku-results"' in second.data and b"view-tabs" not in second.data and b"other-1" in second.data
    )
    found = client.get(f"{base(channel)}/skus?q=ch-05", headers={**HX, "HX-Target": "sku-results"})
    assert b"10 mappings starting with" in found.data
    assert b"CH-050" in found.data and b"CH-049" not in found.data
    by_techoms = client.get(f"{base(channel)}/skus?q=tee-m", headers={**HX, "HX-Target": "sku-results"})
    assert b"60 mappings" in by_techoms.data
    assert b"No mapping starts" in client.get(f"{base(channel)}/skus?q=%25").data
    assert client.get(f"{base(channel)}/skus?page=99999999999").status_code == 200


def test_store_skus_sort_naturally_across_pages(client, world, admin):
    """The store's "SKU-2" before "SKU-10" before "sku-100", ignoring case, from one page to the next."""
    channel = world.a.channel
    for n in range(1, 61):
        add_sku_mapping(channel, f"{'SKU' if n % 3 else 'sku'}-{n}", world.a.variant)
    skus = []
    for page in (1, 2):
        html = client.get(f"{base(channel)}/skus?page={page}").get_data(as_text=True)
        skus += re.findall(r'<tr data-testid="sku-row-\d+">\s*<td class="font-monospace-sm">([^<]+)<', html)
    assert skus == [f"{'SKU' if n % 3 else 'sku'}-{n}" for n in range(1, 61)]


# --- permissions --------------------------------------------------------------------------------------------


def test_account_user_may_view_but_not_change(client, world, login):
    services = make_carriers()
    channel = world.a.channel
    sku = add_sku_mapping(channel, "S-1", world.a.variant)
    carrier = add_carrier_mapping(channel, services["UPS", "GND"], "UPS Ground")
    login(ROLE_EMAILS[Role.ACCOUNT_USER])
    posts = [
        f"{base(channel)}/warehouses/{world.a.warehouse.id}",
        f"{base(channel)}/carriers",
        f"{base(channel)}/carriers/{carrier.id}/edit",
        f"{base(channel)}/carriers/{carrier.id}/primary",
        f"{base(channel)}/carriers/{carrier.id}/delete",
        f"{base(channel)}/carriers/import",
        f"{base(channel)}/skus",
        f"{base(channel)}/skus/{sku.id}/edit",
        f"{base(channel)}/skus/{sku.id}/delete",
        f"{base(channel)}/skus/auto-map",
        f"{base(channel)}/skus/import",
    ]
    for url in posts:
        assert client.post(url, data={}).status_code == 403, url
    assert client.get(f"{base(channel)}/skus/export").status_code == 200


def test_other_accounts_channel_and_mappings_are_404(client, world, login):
    services = make_carriers()
    b_variant_mapping = add_sku_mapping(world.b.channel, "B-1", world.b.variant)
    b_carrier = add_carrier_mapping(world.b.channel, services["UPS", "GND"], "UPS Ground")
    login(ROLE_EMAILS[Role.ORG_OWNER])
    a = base(world.a.channel)
    for url in (
        f"{base(world.b.channel)}/skus",
        f"{a}/skus/{b_variant_mapping.id}/edit",
        f"{a}/carriers/{b_carrier.id}/edit",
    ):
        response = client.get(url, headers=HX)
        assert response.status_code == 404 and b"<html" not in response.data, url
    assert client.post(f"{a}/skus/{b_variant_mapping.id}/delete").status_code == 404
    assert client.post(f"{a}/carriers/{b_carrier.id}/primary").status_code == 404


# --- Auto-map and Unmapped against a store ---------------------------------------------------------------


def test_auto_map_and_unmapped_against_the_store(client, world, admin, simulator):
    store = simulator.create_store(seed=3, products=2, orders=0, vendor_managed=[])
    channel_id = channel_steps.create_channel(client, store)
    channel = db.session.get(SalesChannel, channel_id)
    # Store SKUs are SIM-000n-<size>-<colour>; the account has three of them, one in another case.
    for sku in ("SIM-0001-S-BLK", "sim-0001-m-blk", "SIM-0002-L-WHT"):
        add_variant(channel, sku)
    add_sku_mapping(channel, "SIM-0002-L-WHT", world.a.variant)  # already mapped: left alone

    unmapped = client.get(f"/channels/{channel_id}/mappings/skus/unmapped")
    store_skus = int(re.search(rb"(\d+) channel SKUs read from the store", unmapped.data).group(1))
    assert store_skus == 13  # 2 products x 3 sizes x 2 colours, plus the gift certificate
    assert f"{store_skus - 3} store SKUs map to nothing".encode() in unmapped.data
    assert b"SIM-0002-S-BLK" in unmapped.data and b"SIM-0001-S-BLK</td>" not in unmapped.data

    response = client.post(f"/channels/{channel_id}/mappings/skus/auto-map", headers=HX)
    assert b"Auto-map mapped 2 channel SKUs (13 on the store, 1 already mapped, 10 without" in response.data
    keys = db.session.scalars(select(SkuMapping.channel_sku).where(SkuMapping.channel_id == channel_id)).all()
    assert sorted(keys) == ["SIM-0001-M-BLK", "SIM-0001-S-BLK", "SIM-0002-L-WHT"]
    assert "sku_mappings_auto_mapped" in audit_actions(channel)
    again = client.post(f"/channels/{channel_id}/mappings/skus/auto-map", headers=HX)
    assert b"Auto-map mapped 0 channel SKUs" in again.data


def test_auto_map_failure_is_a_message(client, world, admin):
    response = client.post(f"{base(world.a.channel)}/skus/auto-map", headers=HX)
    assert response.status_code == 200 and b"Could not read the store&#39;s channel SKUs" in response.data
    assert db.session.scalar(select(SkuMapping)) is None
