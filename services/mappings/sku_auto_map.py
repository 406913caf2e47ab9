"""Auto-map from the store's channel SKUs: identical SKUs mapped at once, likely matches proposed for a
person to confirm (services/mappings/sku_matching.py finds them), the confirmed ones mapped, and the SKUs
Import products left waiting for a proposal.

Functions change the session and never commit (the view commits once); each costs a fixed number of queries
whatever the catalog's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select

from extensions import db
from models.catalog import ProductVariant, sku_key
from models.channels import SalesChannel
from models.mappings import SkuMapping
from models.natural_order import natural_sort_key
from models.store_catalog import StoreProductVariant
from models.tenancy import User
from services import audit, catalog
from services.inventory import publish_queue
from services.mappings.sku_matching import Ambiguous, Proposal, SkuMatcher
from services.mappings.skus import mapped_sku_keys, save_mapping, unmapped
from services.orders import failed_orders


@dataclass(frozen=True)
class AutoMapReport:
    store_skus: int
    mapped: int
    already_mapped: int
    without_match: int

    def summary(self) -> str:
        return (
            f"Auto-map mapped {self.mapped} channel SKU{'' if self.mapped == 1 else 's'} "
            f"({self.store_skus} on the store, {self.already_mapped} already mapped, "
            f"{self.without_match} without an identical techOMS SKU)."
        )


def auto_map(channel: SalesChannel, store_skus: list[str], user: User | None) -> AutoMapReport:
    """Map each store SKU equal to a techOMS SKU of the account (ignoring case and spaces) and not mapped yet:
    three queries and one bulk insert, one summary audit event."""
    by_key: dict[str, str] = {}
    for sku in store_skus:
        key = sku_key(sku)
        if key and len(key) <= 100:
            by_key.setdefault(key, sku.strip())
    existing = mapped_sku_keys(channel.id)
    variants = catalog.variant_ids_by_sku_key(channel.account_id)
    rows = [
        {
            "channel_id": channel.id,
            "channel_sku": sku,
            "channel_sku_key": key,
            "channel_sku_sort_key": natural_sort_key(sku),
            "variant_id": variants[key],
        }
        for key, sku in by_key.items()
        if key not in existing and key in variants
    ]
    if rows:
        db.session.execute(insert(SkuMapping), rows)
        publish_queue.channel_changed(channel.id)
    already = sum(1 for key in by_key if key in existing)
    report = AutoMapReport(len(by_key), len(rows), already, len(by_key) - already - len(rows))
    audit.record(channel, user, "sku_mappings_auto_mapped", "Auto-map", None, report.summary())
    return report


@dataclass(frozen=True)
class Proposals:
    """What Auto-map found for the SKUs that map to nothing: likely matches to confirm (with the failed orders
    each would let through), SKUs several techOMS SKUs fit, and how many found nothing."""

    items: list[tuple[Proposal, int]]  # (proposal, failed orders it stops)
    ambiguous: list[Ambiguous]
    without_match: int


def propose(channel: SalesChannel, store_skus: list[str]) -> Proposals:
    """Likely matches for the store's SKUs and the SKUs of failed orders that map to nothing; those stopping
    the most failed orders first. Three queries whatever the catalog's size."""
    stopping = failed_orders.failing_skus(channel)
    candidates = {sku_key(sku): sku.strip() for sku in [*store_skus, *stopping] if sku_key(sku)}
    orders = {sku_key(sku): count for sku, count in stopping.items()}
    open_skus = unmapped(channel, list(candidates.values()))
    matcher = SkuMatcher(
        db.session.execute(
            select(ProductVariant.sku, ProductVariant.id).where(
                ProductVariant.account_id == channel.account_id
            )
        ).tuples()
    )
    found, ambiguous = matcher.propose(open_skus)
    items = sorted(
        ((proposal, orders.get(sku_key(proposal.channel_sku), 0)) for proposal in found),
        key=lambda item: (-item[1], sku_key(item[0].channel_sku)),
    )
    return Proposals(items, ambiguous, len(open_skus) - len(found) - len(ambiguous))


@dataclass(frozen=True)
class ConfirmedReport:
    created: list[str]  # "channel SKU → techOMS SKU"
    skipped: list[str]  # mapped meanwhile, or a variant no longer in the account


def create_confirmed(
    channel: SalesChannel, pairs: list[tuple[int, str]], user: User | None
) -> ConfirmedReport:
    """Map each confirmed (variant id, channel SKU) pair, audited; a SKU mapped meanwhile or a variant that
    left the account is skipped. Two queries, then the inserts."""
    variants = {
        variant.id: variant
        for variant in db.session.scalars(
            select(ProductVariant).where(
                ProductVariant.account_id == channel.account_id,
                ProductVariant.id.in_({variant_id for variant_id, _ in pairs}),
            )
        )
    }
    taken = set(
        db.session.scalars(
            select(SkuMapping.channel_sku_key).where(
                SkuMapping.channel_id == channel.id,
                SkuMapping.channel_sku_key.in_({sku_key(sku) for _, sku in pairs}),
            )
        )
    )
    created, skipped = [], []
    for variant_id, sku in pairs:
        variant = variants.get(variant_id)
        if variant is None or sku_key(sku) in taken:
            skipped.append(sku)
            continue
        taken.add(sku_key(sku))
        save_mapping(channel, None, sku, variant, user)
        created.append(f"{sku.strip()} → {variant.sku}")
    return ConfirmedReport(created, skipped)


def catalog_waiting_skus(channel: SalesChannel) -> list[str]:
    """The store SKUs Import products read and left for a person (no techOMS variant linked yet): the SKUs
    whose proposals the SKU Mappings view offers to confirm. One query, no store call."""
    return list(
        db.session.scalars(
            select(StoreProductVariant.final_sku)
            .where(StoreProductVariant.channel_id == channel.id, StoreProductVariant.variant_id.is_(None))
            .order_by(StoreProductVariant.sku_key)
        )
    )
