"""SKU mappings of a channel: audited add / change / delete, the SKUs a channel has mapped, and the store
SKUs that resolve to nothing (the Unmapped view). The list and picker are services/mappings/sku_lists.py,
Auto-map and its proposals services/mappings/sku_auto_map.py.

Functions change the session and never commit (the view commits once).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from extensions import db
from models.catalog import ProductVariant, sku_key
from models.channels import SalesChannel
from models.mappings import SkuMapping
from models.tenancy import User
from services import audit
from services.audit import audit_field
from services.inventory import publish_queue
from services.mappings.resolvers import SkuResolver


def find_mapping(
    channel: SalesChannel, channel_sku: str, *, excluding: int | None = None
) -> SkuMapping | None:
    statement = select(SkuMapping).where(
        SkuMapping.channel_id == channel.id, SkuMapping.channel_sku_key == sku_key(channel_sku)
    )
    if excluding is not None:
        statement = statement.where(SkuMapping.id != excluding)
    return db.session.scalar(statement.options(joinedload(SkuMapping.variant)))


def save_mapping(
    channel: SalesChannel,
    mapping: SkuMapping | None,
    channel_sku: str,
    variant: ProductVariant,
    user: User | None,
) -> SkuMapping:
    """Add (mapping None) or change a mapping, audited with the channel SKU and old → new techOMS SKU."""
    channel_sku = channel_sku.strip()
    if mapping is None:
        mapping = SkuMapping(channel_id=channel.id, variant=variant)
        audit.record(channel, user, "sku_mapping_added", audit_field(channel_sku), None, variant.sku)
    else:
        old_sku, old_variant = mapping.channel_sku, mapping.variant.sku
        if old_sku != channel_sku:
            audit.record(channel, user, "sku_mapping_renamed", audit_field(old_sku), old_sku, channel_sku)
        if old_variant != variant.sku:
            audit.record(
                channel, user, "sku_mapping_changed", audit_field(channel_sku), old_variant, variant.sku
            )
    mapping.channel_sku = channel_sku
    mapping.channel_sku_key = sku_key(channel_sku)
    mapping.variant = variant
    db.session.add(mapping)
    publish_queue.channel_changed(channel.id)
    return mapping


def delete_mapping(channel: SalesChannel, mapping: SkuMapping, user: User | None) -> None:
    audit.record(
        channel, user, "sku_mapping_removed", audit_field(mapping.channel_sku), mapping.variant.sku, None
    )
    db.session.delete(mapping)
    publish_queue.channel_changed(channel.id)


def mapped_sku_keys(channel_id: int) -> set[str]:
    """The SKU keys the channel has mapped already, in one query."""
    return set(
        db.session.scalars(select(SkuMapping.channel_sku_key).where(SkuMapping.channel_id == channel_id))
    )


def unmapped(channel: SalesChannel, store_skus: list[str]) -> list[str]:
    """Store SKUs that resolve to nothing: neither a mapping nor an identical techOMS SKU."""
    resolved = SkuResolver(channel).resolve_many(store_skus)
    return sorted((sku for sku in store_skus if sku not in resolved), key=sku_key)
