"""Whether a store product is a gift certificate (pure). The API has no flag for it: stores name such
products "Gift Certificate" / "Gift Card" and give them a SKU like GIFTCERT. They are not goods: nothing to
pick, weigh or stock, so the catalog import leaves them out, as the order import leaves their lines out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NAME = re.compile(r"\bgift[\s_-]*(certificate|card|voucher)s?\b", re.IGNORECASE)
_SKU = re.compile(r"^gift[\s_-]*(cert(ificate)?|card|voucher)s?([\s_-].*)?$", re.IGNORECASE)


def is_gift_certificate(product: Mapping[str, Any]) -> bool:
    """True for a listed or shown product named or coded as a gift certificate, card or voucher."""
    name, sku = product.get("name"), product.get("sku")
    return bool(
        (isinstance(name, str) and _NAME.search(name)) or (isinstance(sku, str) and _SKU.match(sku.strip()))
    )
