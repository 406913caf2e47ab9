"""What the store changed in an order's customer contact and addresses since techOMS stored it: the names of
the fields, never their values (the order's events are read by roles that may not see customer data)."""

from __future__ import annotations

from connectors.brightsites.translate import AddressRecord, OrderRecord
from models.orders import SalesOrder
from services.orders import address_fields


def changed_fields(order: SalesOrder, record: OrderRecord) -> list[str]:
    """E.g. ["shipping address", "customer e-mail"]; empty when nothing differs or the PII was purged."""
    if order.pii_purged_at is not None:
        return []
    changed = []
    for label, ours, theirs, limit in (
        ("customer name", order.customer_name, record.customer_name, 200),
        ("customer e-mail", order.customer_email, record.customer_email, 254),
        ("customer phone", order.customer_phone, record.customer_phone, 64),
    ):
        if (ours or "") != (theirs or "")[:limit]:
            changed.append(label)
    for kind, source in (("shipping", record.shipping_address), ("billing", record.billing_address)):
        if _address_differs(order, kind, source):
            changed.append(f"{kind} address")
    return changed


def _address_differs(order: SalesOrder, kind: str, source: AddressRecord) -> bool:
    stored = next((a for a in order.addresses if a.kind == kind), None)
    if stored is None:
        return True
    return any(
        (getattr(stored, name) or "") != value for name, value in address_fields.stored_text(source).items()
    )
