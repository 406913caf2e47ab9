"""The SKU Mappings view's reads: the paginated list with prefix search, the variant picker's search, a
variant of the channel's account, and the store's weights the picker shows.

Lists cost a fixed number of queries whatever their size: the list searches by prefix on the indexed key
column (a range the index serves on every backend, plus the LIKE it stands for), orders by the same index and
counts over it.
"""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from extensions import db
from models.catalog import Product, ProductVariant, sku_key
from models.channels import SalesChannel
from models.mappings import SkuMapping
from models.store_catalog import StoreProduct, StoreProductVariant
from services import catalog_units
from services.search import LIKE_ESCAPE, contains_pattern, prefix_pattern

PER_PAGE = 50
MAX_PAGE = 100_000
PICKER_LIMIT = 20


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
