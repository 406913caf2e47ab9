"""GET /api/v1/account: which account a key acts for. Host systems call it to check their key."""

from __future__ import annotations

from blueprints.api.auth import api_key_required, current_key


@api_key_required
def show():
    key = current_key()
    return {
        "account": {"code": key.account.code, "name": key.account.name},
        "api_key": {"name": key.name, "prefix": key.display_prefix},
    }
