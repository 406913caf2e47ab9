"""Translate between a channel's codes and techOMS through the channel's mappings: SKUs to variants, shipping
methods to carrier services and back, and the warehouses whose stock the channel publishes.

The sync engine uses these; the mapping screens use them too (the Unmapped view), so there is one set of
rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from extensions import db
from models.catalog import CarrierService, ProductVariant, account_warehouse, sku_key
from models.channels import SalesChannel
from models.mappings import CarrierMapping, SkuMapping, WarehouseMapping, carrier_key

# Above this many distinct SKUs a call loads the channel's whole mapping table and the account's SKU keys
# (still one query each) instead of binding every key as a parameter.
LOAD_ALL_ABOVE = 5_000


class SkuResolver:
    """Channel SKU → ProductVariant.id: the channel's explicit mapping, else the account's variant with the
    same SKU (ignoring case and surrounding spaces)."""

    def __init__(self, channel: SalesChannel) -> None:
        self.channel_id = channel.id
        self.account_id = channel.account_id

    def resolve_many(self, skus: Iterable[str]) -> dict[str, int]:
        """Each given SKU that resolves → its variant id. At most two queries; blank SKUs never resolve."""
        by_key: dict[str, list[str]] = {}
        for sku in skus:
            key = sku_key(sku or "")
            if key:
                by_key.setdefault(key, []).append(sku)
        if not by_key:
            return {}
        load_all = len(by_key) > LOAD_ALL_ABOVE
        mapped = select(SkuMapping.channel_sku_key, SkuMapping.variant_id).where(
            SkuMapping.channel_id == self.channel_id
        )
        if not load_all:
            mapped = mapped.where(SkuMapping.channel_sku_key.in_(by_key))
        found: dict[str, int] = {key: vid for key, vid in db.session.execute(mapped) if key in by_key}
        rest = [key for key in by_key if key not in found]
        if rest:
            same = select(ProductVariant.sku_key, ProductVariant.id).where(
                ProductVariant.account_id == self.account_id
            )
            if not load_all:
                same = same.where(ProductVariant.sku_key.in_(rest))
            wanted = set(rest)
            found.update((key, vid) for key, vid in db.session.execute(same) if key in wanted)
        return {sku: found[key] for key, given in by_key.items() if key in found for sku in given}


def wildcard_pattern(key: str) -> re.Pattern[str]:
    """`*` matches any text (possibly none); everything else is literal. `key` is already normalised."""
    return re.compile(".*".join(re.escape(part) for part in key.split("*")), re.DOTALL)


@dataclass(frozen=True)
class _Rule:
    carrier_key: str
    service_key: str
    carrier_pattern: re.Pattern[str] | None  # None: exact
    service_pattern: re.Pattern[str] | None
    system: tuple[str, str]
    row_id: int

    def matches(self, method: str, service: str) -> bool:
        if not (
            self.carrier_pattern.fullmatch(method) if self.carrier_pattern else self.carrier_key == method
        ):
            return False
        if not self.service_key:  # a row without a service code takes any service
            return True
        if self.service_pattern:
            return bool(self.service_pattern.fullmatch(service))
        return self.service_key == service

    def specificity(self) -> tuple:
        """Sort key, most specific first: exact carrier code, then the longest literal prefix and literal
        text; then an exact service code, then a wildcard one, then none."""
        carrier_prefix = len(self.carrier_key.split("*", 1)[0])
        service_rank = 2 if not self.service_key else (1 if self.service_pattern else 0)
        return (
            self.carrier_pattern is not None,
            -carrier_prefix,
            -len(self.carrier_key.replace("*", "")),
            service_rank,
            -len(self.service_key.replace("*", "")),
            self.row_id,
        )


class CarrierResolver:
    """Shipping method name ↔ (carrier system code, service system code), from the channel's carrier mappings
    loaded once."""

    def __init__(self, channel: SalesChannel) -> None:
        rows = db.session.scalars(
            select(CarrierMapping)
            .where(CarrierMapping.channel_id == channel.id)
            .options(joinedload(CarrierMapping.carrier_service).joinedload(CarrierService.carrier))
        ).all()
        rules = []
        self._primary: dict[tuple[str, str], CarrierMapping] = {}
        self._fallback: dict[tuple[str, str], CarrierMapping] = {}
        for row in rows:
            service = row.carrier_service
            system = (service.carrier.code, service.code)
            rules.append(
                _Rule(
                    row.carrier_channel_key,
                    row.service_channel_key,
                    wildcard_pattern(row.carrier_channel_key) if "*" in row.carrier_channel_key else None,
                    wildcard_pattern(row.service_channel_key) if "*" in row.service_channel_key else None,
                    system,
                    row.id,
                )
            )
            pair = (system[0].casefold(), system[1].casefold())
            if row.is_primary and not row.is_wildcard:
                self._primary[pair] = row
            elif not row.is_wildcard and (pair not in self._fallback or row.id < self._fallback[pair].id):
                self._fallback[pair] = row
        self._rules = sorted(rules, key=_Rule.specificity)

    def to_system(self, shipping_method: str | None, service: str | None = None) -> tuple[str, str] | None:
        """The system carrier and service for a store shipping method: exact (ignoring case and spaces) beats
        wildcard, the longest literal prefix wins among wildcards; None when nothing matches."""
        method = carrier_key(shipping_method)
        if not method:
            return None
        wanted_service = carrier_key(service)
        for rule in self._rules:
            if rule.matches(method, wanted_service):
                return rule.system
        return None

    def to_channel(self, carrier_code: str, service_code: str) -> tuple[str, str | None] | None:
        """(carrier channel code, service channel code) of the primary row for that system pair, or None.

        Wildcard rows are never primary (their code cannot be sent to a store); should a pair have only
        non-primary exact rows (data from before the rule), its oldest exact row answers.
        """
        pair = ((carrier_code or "").strip().casefold(), (service_code or "").strip().casefold())
        row = self._primary.get(pair) or self._fallback.get(pair)
        if row is None:
            return None
        return row.carrier_channel_code, row.service_channel_code


def mapped_warehouse_ids(channel: SalesChannel) -> list[int]:
    """Warehouses mapped on this channel, enabled for its account and marked as selling: the ones whose stock
    is published (a mapping whose warehouse the channel does not sell from is left out)."""
    enabled = select(account_warehouse.c.warehouse_id).where(
        account_warehouse.c.account_id == channel.account_id
    )
    return list(
        db.session.scalars(
            select(WarehouseMapping.warehouse_id)
            .where(
                WarehouseMapping.channel_id == channel.id,
                WarehouseMapping.warehouse_id.in_(enabled),
                WarehouseMapping.sells_from.is_(True),
            )
            .order_by(WarehouseMapping.warehouse_id)
        )
    )
