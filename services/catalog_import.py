"""One store product into the account's catalog: each of its variants becomes a techOMS variant, is linked to
the one with its SKU (or the one its SKU mapping names), or waits for a person when the store spells a techOMS
SKU differently (a proposed mapping: nothing is created). Never deletes anything in techOMS.

Changes the session and never commits: the sync action owns the transaction (one per page of the listing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from connectors.brightsites.product_skus import StoreVariant
from extensions import db
from models.catalog import Product, ProductVariant, sku_key
from models.channels import SalesChannel
from models.store_catalog import SKU_LENGTH, StoreProduct, StoreProductVariant
from services import store_product_shows as shows
from services.mappings.resolvers import SkuResolver
from services.mappings.sku_matching import Ambiguous, Proposal, SkuMatcher
from services.store_product_shows import MalformedProduct

__all__ = ["CatalogWriter", "MalformedProduct", "ProductResult"]


@dataclass
class ProductResult:
    """What writing one store product did: counts per variant (created, linked, updated, unchanged, proposed)
    and what a person should read (proposals, SKUs gone from the product)."""

    counts: Counter = field(default_factory=Counter)
    proposals: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Writing:
    """One store product being written: its row, the techOMS product (made at the first variant that needs
    one), its name, its measures, and what was done."""

    row: StoreProduct
    product: Product | None
    name: str
    measures: shows.Measures
    result: ProductResult = field(default_factory=ProductResult)


class CatalogWriter:
    """Writes store products for one channel; the account's SKUs are read once per run for the proposals."""

    def __init__(self, channel: SalesChannel, *, update_linked: bool = False) -> None:
        self.channel = channel
        self.account_id = channel.account_id
        self.update_linked = update_linked
        self.resolver = SkuResolver(channel)
        self._matcher: SkuMatcher | None = None
        # The page being written: store SKUs resolved (or found unresolved) in one go, the techOMS variants
        # they resolve to, and the variants created on this page by SKU key (the next page's resolver
        # finds them in the database).
        self._checked: set[str] = set()
        self._resolved: dict[str, int] = {}
        self._loaded: dict[int, ProductVariant] = {}
        self._created: dict[str, ProductVariant] = {}

    @property
    def matcher(self) -> SkuMatcher:
        """The techOMS SKUs the account had before this run (built at first need: most runs need none)."""
        if self._matcher is None:
            self._matcher = SkuMatcher(
                db.session.execute(
                    select(ProductVariant.sku, ProductVariant.id).where(
                        ProductVariant.account_id == self.account_id
                    )
                ).tuples()
            )
        return self._matcher

    def prepare(self, shown: list[Mapping[str, Any]]) -> None:
        """Resolve the SKUs of a page's products at once (two queries, and one for their variants) instead of
        a few queries per product."""
        self._checked, self._resolved, self._loaded, self._created = set(), {}, {}, {}
        self._resolve([variant.final_sku for raw in shown for variant in shows.safe_variants(raw)])

    def _resolve(self, skus: list[str]) -> dict[str, int]:
        missing = [sku for sku in skus if sku not in self._checked]
        if missing:
            found = self.resolver.resolve_many(missing)
            self._checked.update(missing)
            self._resolved.update(found)
            self._loaded.update(self._variants(set(found.values()) - self._loaded.keys()))
        return {sku: self._resolved[sku] for sku in skus if sku in self._resolved}

    def remembered(self, external_ids: Iterable[int]) -> dict[int, StoreProduct]:
        """The store products read before, by store id, with their variants: one query for a page."""
        rows = db.session.scalars(
            select(StoreProduct)
            .options(selectinload(StoreProduct.variants), selectinload(StoreProduct.product))
            .where(
                StoreProduct.channel_id == self.channel.id, StoreProduct.external_id.in_(set(external_ids))
            )
        )
        return {row.external_id: row for row in rows}

    def link_confirmed(self) -> int:
        """Link the store variants that waited for a person and now resolve (a proposal confirmed, a mapping
        or a variant added by hand): no store call, two queries."""
        waiting = list(
            db.session.scalars(
                select(StoreProductVariant).where(
                    StoreProductVariant.channel_id == self.channel.id,
                    StoreProductVariant.variant_id.is_(None),
                )
            )
        )
        resolved = self.resolver.resolve_many(link.final_sku for link in waiting)
        for link in waiting:
            link.variant_id = resolved.get(link.final_sku, link.variant_id)
        return sum(1 for link in waiting if link.variant_id is not None)

    def note_read(
        self, listed: Mapping[str, Any], known: StoreProduct | None, skipped_reason: str = ""
    ) -> StoreProduct:
        """Remember a listed product as read at its `updated_at` (also one skipped or unreadable: it is not
        shown again until it changes)."""
        row = known or self._new_row(listed)
        row.name = shows.clean_text(listed.get("name"))[: shows.NAME_LENGTH]
        row.sku = shows.clean_text(listed.get("sku"))[:SKU_LENGTH]
        row.store_updated_at = shows.clean_text(listed.get("updated_at"))[:40]
        row.skipped_reason = skipped_reason[:200]
        row.gone_at = None
        return row

    def write(
        self, listed: Mapping[str, Any], shown: Mapping[str, Any], known: StoreProduct | None
    ) -> ProductResult:
        """Bring one store product (its listing item and its show) into the catalog. Raises MalformedProduct
        before changing anything when the show cannot be read."""
        measures = shows.measures(shown, self.channel.weight_unit.value, self.channel.dimension_unit.value)
        store_variants = shows.readable_variants(shown)
        row = self.note_read(listed, known)
        for name in shows.MEASURES:
            setattr(row, name, measures.raw[name])
        existing = self._existing(store_variants)
        writing = _Writing(row, self._product_of(row, existing), shows.product_name(shown, listed), measures)
        known_links = {item.sku_key: item for item in row.variants}
        for store_variant in shows.unique_skus(store_variants):
            key = sku_key(store_variant.final_sku)
            link = known_links.get(key)
            variant = self._place(writing, store_variant, existing.get(key), link)
            self._keep_link(row, link, key, store_variant, variant)
        self._drop_gone_links(writing, known_links, {sku_key(v.final_sku) for v in store_variants})
        self._attach_product(writing)
        return writing.result

    def _existing(self, store_variants: list[StoreVariant]) -> dict[str, ProductVariant]:
        """The techOMS variant each SKU resolves to, or the one made for an earlier product of the page."""
        resolved = self._resolve([v.final_sku for v in store_variants])
        return {
            sku_key(v.final_sku): found
            for v in store_variants
            if (
                found := self._loaded.get(resolved.get(v.final_sku, 0))
                or self._created.get(sku_key(v.final_sku))
            )
        }

    def _product_of(self, row: StoreProduct, existing: dict[str, ProductVariant]) -> Product | None:
        """The techOMS product the store product went to before (in this account), else the product of a
        variant it resolves to; None until a new variant needs one."""
        if row.product is not None and row.product.account_id == self.account_id:
            return row.product
        return next(iter(existing.values())).product if existing else None

    def _place(
        self,
        writing: _Writing,
        store_variant: StoreVariant,
        variant: ProductVariant | None,
        link: StoreProductVariant | None,
    ) -> ProductVariant | None:
        """Link the store variant to its techOMS variant, leave a proposal for a person, or create it;
        counted in the result. The techOMS variant it stands for, or None for a proposal."""
        if variant is not None:
            writing.result.counts[self._linked(variant, store_variant, writing.measures, link)] += 1
            return variant
        match = self.matcher.match(store_variant.final_sku)
        if match is not None:
            writing.result.counts["proposed"] += 1
            writing.result.proposals.append(_proposal_text(match))
            return None
        if writing.product is None:
            writing.product = Product(account_id=self.account_id, name=writing.name)
            db.session.add(writing.product)
        writing.result.counts["created"] += 1
        created = self._create(writing.product, store_variant, writing.measures)
        self._created[sku_key(store_variant.final_sku)] = created
        return created

    def _keep_link(
        self,
        row: StoreProduct,
        link: StoreProductVariant | None,
        key: str,
        store_variant: StoreVariant,
        variant: ProductVariant | None,
    ) -> None:
        """The store variant as read now, and the techOMS variant it stands for (None while proposed)."""
        if link is None:
            link = StoreProductVariant(channel_id=self.channel.id, sku_key=key)
            row.variants.append(link)
        link.final_sku = store_variant.final_sku.strip()
        link.title = store_variant.title[: shows.NAME_LENGTH]
        link.variant = variant

    @staticmethod
    def _drop_gone_links(
        writing: _Writing, known_links: dict[str, StoreProductVariant], keys_now: set[str]
    ) -> None:
        """Forget the store variants gone from the product (their techOMS variants stay), with a note."""
        for key, link in known_links.items():
            if key not in keys_now:
                writing.result.notes.append(f"{link.final_sku} is no longer on the store (kept in techOMS)")
                writing.row.variants.remove(link)

    def _attach_product(self, writing: _Writing) -> None:
        """The store product goes to its techOMS product; renamed only when asked and linked before."""
        product, row = writing.product, writing.row
        if product is None:
            return
        if self.update_linked and row.product is product and product.name != writing.name:
            product.name = writing.name
        row.product = product

    # --- one variant ----------------------------------------------------------------------------------------

    def _linked(
        self,
        variant: ProductVariant,
        store_variant: StoreVariant,
        measures: shows.Measures,
        link: StoreProductVariant | None,
    ) -> str:
        newly = link is None or link.variant_id != variant.id
        changed = False
        if self.update_linked:
            wanted = {
                "title": store_variant.title[: shows.NAME_LENGTH],
                "weight_g": measures.weight_g,
                "length_mm": measures.length_mm,
                "width_mm": measures.width_mm,
                "height_mm": measures.height_mm,
            }
            for name, value in wanted.items():
                if getattr(variant, name) != value:
                    setattr(variant, name, value)
                    changed = True
        if newly:
            return "linked"
        return "updated" if changed else "unchanged"

    def _create(
        self, product: Product, store_variant: StoreVariant, measures: shows.Measures
    ) -> ProductVariant:
        variant = ProductVariant(
            account_id=self.account_id,
            title=store_variant.title[: shows.NAME_LENGTH],
            weight_g=measures.weight_g,
            length_mm=measures.length_mm,
            width_mm=measures.width_mm,
            height_mm=measures.height_mm,
        )
        variant.set_sku(store_variant.final_sku)
        # Later products of the run resolve to it: the resolver's query flushes the session first.
        product.variants.append(variant)
        return variant

    def _variants(self, ids: set[int]) -> dict[int, ProductVariant]:
        if not ids:
            return {}
        rows = db.session.scalars(
            select(ProductVariant)
            .options(selectinload(ProductVariant.product))
            .where(ProductVariant.account_id == self.account_id, ProductVariant.id.in_(ids))
        )
        return {row.id: row for row in rows}

    def _new_row(self, listed: Mapping[str, Any]) -> StoreProduct:
        row = StoreProduct(channel_id=self.channel.id, external_id=int(listed["id"]))
        db.session.add(row)
        return row


def _proposal_text(match: Proposal | Ambiguous) -> str:
    if isinstance(match, Proposal):
        return f"{match.channel_sku} → {match.techoms_sku} ({match.detail})"
    return f"{match.channel_sku} fits several techOMS SKUs ({', '.join(match.techoms_skus)})"
