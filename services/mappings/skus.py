"""SKU mappings of a channel: the paginated list with prefix search, the variant picker's search, audited
add / change / delete, Auto-map from the store's channel SKUs (identical SKUs mapped at once, likely matches
proposed for a person to confirm: services/mappings/sku_matching.py) and the Unmapped view.

Functions change the session and never commit (the view commits once). Lists cost a fixed number of queries
whatever their size: the list searches by prefix on the indexed key column (a range the index serves on every
backend, plus the LIKE it stands for), orders by the same index and counts over it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy.orm import joinedload

from extensions import db
from models.catalog import Product, ProductVariant, sku_key
from models.channels import SalesChannel
from models.mappings import SkuMapping
from models.natural_order import natural_sort_key
from models.store_catalog import StoreProduct, StoreProductVariant
from models.tenancy import User
from services import audit, catalog, catalog_units
from services.audit import audit_field
from services.inventory import publish_queue
from services.mappings.resolvers import SkuResolver
from services.mappings.sku_matching import Ambiguous, Proposal, SkuMatcher
from services.orders import failed_orders
from services.search import LIKE_ESCAPE, contains_pattern, prefix_pattern

PER_PAGE = 50
MAX_PAGE = 100_000
PICKER_LIMIT = 20


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


def prefix_condition(column, prefix: str):
    """`column LIKE 'prefix%'` plus the key range it implies, so an index on `column` is used everywhere."""
    return (
        (column >= prefix)
        & (column < prefix + "\U0010ffff")
        & column.like(prefix_pattern(prefix), escape=LIKE_ESCAPE)
    )


def _search(channel: SalesChannel, q: str) -> Select:
    """Ids of the channel's mappings whose channel SKU or techOMS SKU starts with `q` (all when blank).

    Each OR branch repeats the channel so SQLite can answer it with one index each (the unique
    (channel_id, channel_sku_key) index, and the variant index), then merge."""
    statement = select(SkuMapping.id)
    key = sku_key(q)
    if not key:
        return statement.where(SkuMapping.channel_id == channel.id)
    by_variant = select(ProductVariant.id).where(
        ProductVariant.account_id == channel.account_id, prefix_condition(ProductVariant.sku_key, key)
    )
    return statement.where(
        or_(
            (SkuMapping.channel_id == channel.id) & prefix_condition(SkuMapping.channel_sku_key, key),
            (SkuMapping.channel_id == channel.id) & SkuMapping.variant_id.in_(by_variant),
        )
    )


class MappingPage(Pagination):
    """A page of the channel's mappings by channel SKU: a Flask-SQLAlchemy `Pagination`, the one page shape
    every paged list gives the `pagination` macro.

    Three queries: the count and the page's ids straight from the indexes, then those rows with their variant
    and product."""

    def _query_items(self) -> list[SkuMapping]:
        ids = self._query_args["ids"]
        page_ids = list(
            db.session.scalars(
                ids.order_by(SkuMapping.channel_sku_sort_key, SkuMapping.id)
                .offset(self._query_offset)
                .limit(self.per_page)
            )
        )
        rows = db.session.scalars(
            select(SkuMapping)
            .where(SkuMapping.id.in_(page_ids))
            .options(joinedload(SkuMapping.variant).joinedload(ProductVariant.product))
            .order_by(SkuMapping.channel_sku_sort_key, SkuMapping.id)
        )
        return list(rows)

    def _query_count(self) -> int:
        return db.session.scalar(self._query_args["ids"].with_only_columns(func.count(SkuMapping.id))) or 0


def mapping_page(channel: SalesChannel, q: str = "", page: int = 1) -> MappingPage:
    """A page of the channel's mappings by channel SKU; `q` is a prefix of the channel or techOMS SKU. A page
    past the end is empty, never an error."""
    page = min(max(page, 1), MAX_PAGE)
    return MappingPage(
        page=page, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False, ids=_search(channel, q)
    )


def variant_choices(channel: SalesChannel, q: str) -> list[ProductVariant]:
    """The picker's list: the account's variants whose SKU starts with `q` or whose product name has it."""
    key = sku_key(q)
    if not key:
        return []
    statement = (
        select(ProductVariant)
        .join(ProductVariant.product)
        .options(joinedload(ProductVariant.product))
        .where(
            ProductVariant.account_id == channel.account_id,
            or_(
                prefix_condition(ProductVariant.sku_key, key),
                Product.name.ilike(contains_pattern(q.strip()), escape=LIKE_ESCAPE),
            ),
        )
        .order_by(ProductVariant.sku_sort_key, ProductVariant.id)
        .limit(PICKER_LIMIT)
    )
    return list(db.session.scalars(statement))


def account_variant(channel: SalesChannel, variant_id: int | None) -> ProductVariant | None:
    if variant_id is None:
        return None
    return db.session.scalar(
        select(ProductVariant)
        .options(joinedload(ProductVariant.product))
        .where(ProductVariant.id == variant_id, ProductVariant.account_id == channel.account_id)
    )


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


def store_weights(channel: SalesChannel, variant_ids: list[int]) -> dict[int, str]:
    """For variants linked to a store variant of this channel: the store's weight as the store writes it, in
    the channel's unit ("0.5 lb"). One query."""
    if not variant_ids:
        return {}
    rows = db.session.execute(
        select(StoreProductVariant.variant_id, StoreProduct.weight)
        .join(StoreProduct, StoreProduct.id == StoreProductVariant.store_product_id)
        .where(
            StoreProductVariant.channel_id == channel.id, StoreProductVariant.variant_id.in_(set(variant_ids))
        )
    )
    unit = channel.weight_unit.value
    return {variant_id: text for variant_id, weight in rows if (text := catalog_units.shown(weight, unit))}


def unmapped(channel: SalesChannel, store_skus: list[str]) -> list[str]:
    """Store SKUs that resolve to nothing: neither a mapping nor an identical techOMS SKU."""
    resolved = SkuResolver(channel).resolve_many(store_skus)
    return sorted((sku for sku in store_skus if sku not in resolved), key=sku_key)
