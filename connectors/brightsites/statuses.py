"""Bright Sites order statuses: the one list of them, their labels, and which of them
are never imported for fulfilment. The client validates filters with it, the channel forms offer it, the
import applies it; models store a chosen status as its plain string."""

from __future__ import annotations

CANCELED = "canceled"  # the store's spelling
MOAS_PENDING = "moas_pending"  # waiting for the store's approval (MOAS): may still be refused

ORDER_STATUSES = (
    "new",
    "billed",
    "paid",
    "in_progress",
    "split",
    "shipped",
    "completed",
    "back_ordered",
    CANCELED,
    MOAS_PENDING,
)

# Imported orders in these statuses would be fulfilled by mistake: never imported, whatever a channel selects.
NEVER_FULFILLED = frozenset({CANCELED, MOAS_PENDING})
IMPORTABLE = tuple(status for status in ORDER_STATUSES if status not in NEVER_FULFILLED)

_LABELS = {MOAS_PENDING: "MOAS pending"}


def label(status: str) -> str:
    """`in_progress` -> `In progress`: how a status is named on screen."""
    return _LABELS.get(status) or status.replace("_", " ").capitalize()


def importable_choices() -> list[tuple[str, str]]:
    """(value, label) of each status a channel may choose to import, in the store's order."""
    return [(status, label(status)) for status in IMPORTABLE]
