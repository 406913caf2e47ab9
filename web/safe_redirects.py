"""Only ever redirect to a path on this site (no open redirects through ?next=)."""

import unicodedata
from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    if not target or len(target) > 2000:
        return None
    # A line break would end the Location header early (Werkzeug refuses it with an error, not a redirect).
    if any(unicodedata.category(char) == "Cc" for char in target):
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return None
    return target
