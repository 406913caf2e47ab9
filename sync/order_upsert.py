"""Write one translated store order into techOMS: create it, update it while it is not yet released, or only
note the store's change once fulfilment owns it (its carrier and unresolved lines are still resolved
again). Customer data is never written back after a PII purge.

Stock follows the order (services/inventory/allocation.py): a new or changed open order holds its lines'
quantities in the channel's primary mapped warehouse (`warehouse_id`), a cancelled one gives them back."""

from __future__ import annotations

import enum

from connectors.brightsites.statuses import CANCELED
from connectors.brightsites.translate import AddressRecord, OrderLineRecord, OrderRecord
from extensions import db
from models.base import utcnow
from models.channels import InitialOrderStatus, SalesChannel
from models.orders import OrderAddress, OrderStatus, SalesOrder, SalesOrderLine
from services.inventory import allocation
from services.orders import address_fields, store_cancel


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    LOCKED = "locked"  # released to fulfilment: the store's change is not applied


def cancel(order: SalesOrder, store_status: str = CANCELED) -> store_cancel.StoreCancel | None:
    """Cancelled on the store: cancelled here too, whatever has shipped (services/orders/store_cancel.py).
    None when it was cancelled already."""
    return store_cancel.cancel(order, store_status)


def upsert(
    channel: SalesChannel,
    record: OrderRecord,
    existing: SalesOrder | None,
    variant_ids: dict[str, int],
    carrier: tuple[str, str] | None,
    warehouse_id: int | None = None,
) -> tuple[SalesOrder, Outcome]:
    if existing is None:
        order = SalesOrder(
            account_id=channel.account_id, channel_id=channel.id, external_id=record.external_id
        )
        _set_fulfilment(order, record, channel)
        _apply(order, record, variant_ids, carrier, channel.order_number_prefix)
        db.session.add(order)
        allocation.allocate_order(order, warehouse_id)
        return order, Outcome.CREATED
    if record.status == CANCELED:
        changed = cancel(existing)
        _note_store_update(existing, record)
        return existing, (Outcome.CANCELLED if changed else Outcome.LOCKED)
    if existing.is_locked:
        existing.store_status = record.status
        _note_store_update(existing, record)  # seen: not fetched again until it changes again
        _resolve_again(existing, variant_ids, carrier)
        return existing, Outcome.LOCKED
    _set_fulfilment(existing, record, channel)
    _apply(existing, record, variant_ids, carrier, channel.order_number_prefix)
    allocation.allocate_order(existing, warehouse_id)
    return existing, Outcome.UPDATED


def _resolve_again(order: SalesOrder, variant_ids: dict[str, int], carrier: tuple[str, str] | None) -> None:
    """Read again: a carrier or SKU mapping made since the first import reaches the order (what it holds in
    stock is not moved: fulfilment owns it)."""
    if carrier is not None:
        order.carrier_code, order.service_code = carrier
    for line in order.lines:
        if line.is_physical and line.variant_id is None and line.sku in variant_ids:
            line.variant_id = variant_ids[line.sku]


def _set_fulfilment(order: SalesOrder, record: OrderRecord, channel: SalesChannel) -> None:
    """An order of gift certificates only has nothing to ship: recorded, never Approved and waiting. It
    becomes fulfilment work (the channel's initial status) when a physical line appears, and stops being it
    when the last one goes before release."""
    if not record.physical_lines:
        if order.status != OrderStatus.NOT_FOR_FULFILMENT:
            order.status = OrderStatus.NOT_FOR_FULFILMENT
            order.closed_at = utcnow()
    elif order.status in (None, OrderStatus.NOT_FOR_FULFILMENT):
        order.status = (
            OrderStatus.DRAFT
            if channel.initial_order_status == InitialOrderStatus.DRAFT
            else OrderStatus.APPROVED
        )
        order.closed_at = None


def _apply(
    order: SalesOrder,
    record: OrderRecord,
    variant_ids: dict[str, int],
    carrier: tuple[str, str] | None,
    prefix: str,
) -> None:
    order.number = f"{prefix}{record.number}"
    order.store_status = record.status
    order.store_created_at = record.created_at
    _note_store_update(order, record)
    order.item_total = record.item_total
    order.shipping_total = record.shipping_total
    order.tax_total = record.tax_total
    order.grand_total = record.grand_total
    order.shipping_method = record.shipping_method[:120]
    order.carrier_code, order.service_code = carrier or (None, None)
    apply_contacts(order, record)
    _set_lines(order, record.lines, variant_ids)


def apply_contacts(order: SalesOrder, record: OrderRecord) -> None:
    """The customer's name, e-mail, phone and both addresses; never after a PII purge."""
    if order.pii_purged_at is None:
        order.customer_name = record.customer_name[:200] or None
        order.customer_email = record.customer_email[:254] or None
        order.customer_phone = record.customer_phone[:64] or None
        _set_address(order, "billing", record.billing_address)
        _set_address(order, "shipping", record.shipping_address)


def _note_store_update(order: SalesOrder, record: OrderRecord) -> None:
    """The store's update time, when the answer carried one (the legacy PUT answer does not): a guessed time
    would make the next listing skip a change, or fetch an unchanged order again."""
    if record.updated_at is not None:
        order.store_updated_at = record.updated_at
    elif order.store_updated_at is None:
        raise ValueError("a new order needs the store's update time")


def _set_address(order: SalesOrder, kind: str, source: AddressRecord) -> None:
    address = next((a for a in order.addresses if a.kind == kind), None)
    if address is None:
        address = OrderAddress(kind=kind)
        order.addresses.append(address)
    for name, value in address_fields.stored_text(source).items():
        setattr(address, name, value)
    address.subdivision_code = source.subdivision_code
    address.country_code = source.country_code


def _set_lines(order: SalesOrder, lines: tuple[OrderLineRecord, ...], variant_ids: dict[str, int]) -> None:
    """Match by the store's line id, so line ids that shipments refer to stay stable."""
    by_external = {line.external_line_id: line for line in order.lines}
    wanted = set()
    for source in lines:
        wanted.add(source.external_line_id)
        line = by_external.get(source.external_line_id)
        if line is None:
            line = SalesOrderLine(external_line_id=source.external_line_id)
            order.lines.append(line)
        line.sku = source.sku[:100]
        line.name = source.name[:255]
        line.quantity = source.quantity
        line.unit_price = source.unit_price
        line.total_price = source.total_price
        line.is_physical = source.is_physical
        line.variant_id = variant_ids.get(source.sku) if source.is_physical else None
    dropped = [line for line in order.lines if line.external_line_id not in wanted]
    allocation.release_removed_lines(dropped)
    for line in dropped:
        order.lines.remove(line)
