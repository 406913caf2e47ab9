"""Shared setup of the mapping tests: techOMS carriers and services, mappings made through the services."""

from __future__ import annotations

from extensions import db
from models.catalog import Carrier, CarrierService, Product, ProductVariant
from models.channels import SalesChannel
from models.mappings import CarrierMapping, SkuMapping
from services.mappings import carriers
from services.mappings import skus as sku_mappings

SERVICES = {
    ("UPS", "GND"): "Ground",
    ("UPS", "2DA"): "2nd Day Air",
    ("UPS", "2DAS"): "2nd Day Air Saver",
    ("UPS", "NDA"): "Next Day Air",
    ("FDX", "GND"): "FedEx Ground",
}


def make_carriers() -> dict[tuple[str, str], CarrierService]:
    carriers: dict[str, Carrier] = {}
    services = {}
    for (carrier_code, service_code), name in SERVICES.items():
        carrier = carriers.setdefault(carrier_code, Carrier(code=carrier_code, name=carrier_code))
        service = CarrierService(carrier=carrier, code=service_code, name=name)
        services[(carrier_code, service_code)] = service
        db.session.add(service)
    db.session.commit()
    return services


def add_carrier_mapping(
    channel: SalesChannel,
    service: CarrierService,
    code: str,
    service_code: str | None = None,
    *,
    primary: bool = False,
) -> CarrierMapping:
    mapping = carriers.save_carrier_mapping(
        channel,
        None,
        carrier_code=code,
        service_code=service_code,
        carrier_service=service,
        primary=primary,
        user=None,
    )
    db.session.commit()
    return mapping


def add_variant(channel: SalesChannel, sku: str, product_name: str = "Mapped tee") -> ProductVariant:
    product = Product(account_id=channel.account_id, name=product_name)
    variant = ProductVariant(account_id=channel.account_id, title="")
    variant.set_sku(sku)
    product.variants.append(variant)
    db.session.add(product)
    db.session.commit()
    return variant


def add_sku_mapping(channel: SalesChannel, channel_sku: str, variant: ProductVariant) -> SkuMapping:
    mapping = sku_mappings.save_mapping(channel, None, channel_sku, variant, None)
    db.session.commit()
    return mapping
