"""Warehouse mappings of a channel: which store location (origin address id) each enabled warehouse stands
for. Functions change the session and never commit: the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.catalog import Warehouse
from models.channels import SalesChannel
from models.mappings import WarehouseMapping
from models.tenancy import User
from services import audit, catalog
from services.inventory import publish_queue


def warehouse_rows(channel: SalesChannel) -> list[tuple[Warehouse, WarehouseMapping | None]]:
    """One row per warehouse enabled for the channel's account, with its mapping if it has one."""
    mappings = {
        m.warehouse_id: m
        for m in db.session.scalars(select(WarehouseMapping).where(WarehouseMapping.channel_id == channel.id))
    }
    return [(w, mappings.get(w.id)) for w in catalog.enabled_warehouses(channel.account)]


def shared_identifiers(rows: list[tuple[Warehouse, WarehouseMapping | None]]) -> dict[str, list[str]]:
    """External identifiers that more than one warehouse maps to → those warehouses' codes (a likely typo:
    each warehouse stands for its own store location)."""
    codes: dict[str, list[str]] = {}
    for warehouse, mapping in rows:
        if mapping is not None:
            codes.setdefault(mapping.external_identifier.strip().casefold(), []).append(warehouse.code)
    return {identifier: found for identifier, found in codes.items() if len(found) > 1}


def set_warehouse_identifier(
    channel: SalesChannel, warehouse: Warehouse, identifier: str, user: User | None
) -> str:
    """Map the warehouse to `identifier`, or unmap it when blank. Returns what happened, for the message."""
    mapping = db.session.scalar(
        select(WarehouseMapping).where(
            WarehouseMapping.channel_id == channel.id, WarehouseMapping.warehouse_id == warehouse.id
        )
    )
    old = mapping.external_identifier if mapping else None
    if (old or "") == identifier:
        return f"Nothing changed for warehouse {warehouse.code}."
    if not identifier:
        db.session.delete(mapping)
        publish_queue.channel_changed(channel.id)
        audit.record(channel, user, "warehouse_mapping_removed", warehouse.code, old, None)
        return f"Warehouse {warehouse.code} unmapped: its stock will not be sent to the store."
    if mapping is None:
        mapping = WarehouseMapping(channel_id=channel.id, warehouse_id=warehouse.id)
        db.session.add(mapping)
    mapping.external_identifier = identifier
    publish_queue.channel_changed(channel.id)
    audit.record(channel, user, "warehouse_mapping_set", warehouse.code, old, identifier)
    return f"Warehouse {warehouse.code} mapped to {identifier}."


WAREHOUSE_ROLES = ("sell", "leave_out", "primary")


def mapping_of(channel: SalesChannel, warehouse: Warehouse) -> WarehouseMapping | None:
    return db.session.scalar(
        select(WarehouseMapping).where(
            WarehouseMapping.channel_id == channel.id, WarehouseMapping.warehouse_id == warehouse.id
        )
    )


def set_warehouse_role(channel: SalesChannel, mapping: WarehouseMapping, role: str, user: User | None) -> str:
    """`sell`: its stock counts in what the store is offered; `leave_out`: it does not (a warehouse left out
    is never primary); `primary`: the channel's imported orders hold their stock here. Audited."""
    code = mapping.warehouse.code
    if role == "primary":
        if not mapping.sells_from:
            return f"Warehouse {code} is left out of this channel: sell from it first."
        for other in db.session.scalars(
            select(WarehouseMapping).where(WarehouseMapping.channel_id == channel.id)
        ):
            other.is_primary = other.id == mapping.id
        audit.record(channel, user, "warehouse_primary", code, None, "primary")
        return f"Warehouse {code} is now primary: orders imported from now on hold their stock there."
    sells = role == "sell"
    if mapping.sells_from == sells:
        return f"Nothing changed for warehouse {code}."
    mapping.sells_from = sells
    publish_queue.channel_changed(channel.id)
    if not sells:
        mapping.is_primary = False
    audit.record(channel, user, "warehouse_sells_from", code, str(not sells).lower(), str(sells).lower())
    if sells:
        return f"Warehouse {code} counts again in what this store is offered."
    return f"Warehouse {code} left out: its stock is no longer offered on this store."
