"""A store address as techOMS stores it: each text field of `OrderAddress` cut to its column's length. The
import writes it (sync/order_upsert.py) and the contact comparison reads it (contact_edits.py), so a value
longer than its column is not taken for a change on every import."""

from __future__ import annotations

from connectors.brightsites.translate import AddressRecord

_TEXT_FIELDS = (
    ("first_name", 100),
    ("last_name", 100),
    ("company", 200),
    ("line1", 255),
    ("line2", 255),
    ("city", 100),
    ("postal_code", 32),
    ("subdivision", 100),
    ("country", 100),
    ("email", 254),
    ("phone", 64),
)


def stored_text(source: AddressRecord) -> dict[str, str]:
    """The address's text fields by name, each as its column keeps it ("" for none)."""
    return {name: (getattr(source, name) or "")[:limit] for name, limit in _TEXT_FIELDS}
