"""What every page's header needs: the menu the role allows, the account switcher, and `can()`."""

from flask import Flask, g
from flask_login import current_user

from forms.accounts import SwitchAccountForm
from permissions import Permission, can, current_account

# (endpoint, label, permission needed to see the link)
# The brand (techOMS) leads to the account overview, so it has no menu entry: the whole menu fits at 1280 px.
MENU = [
    ("channels.index", "Sales Channels", Permission.VIEW),
    ("orders.index", "Orders", Permission.VIEW),
    ("products.index", "Products", Permission.VIEW),
    ("warehouses.index", "Warehouses", Permission.VIEW),
    ("users.index", "Users", Permission.MANAGE_ACCOUNT_USERS),
    ("api_keys.index", "API keys", Permission.MANAGE_API_KEYS),
]


def nav_items() -> list[tuple[str, str]]:
    if not current_user.is_authenticated or current_account() is None:
        return []
    return [(endpoint, label) for endpoint, label, permission in MENU if can(permission)]


def account_switcher() -> SwitchAccountForm | None:
    account = current_account() if current_user.is_authenticated else None
    if account is None:
        return None
    return SwitchAccountForm(g.visible_accounts, formdata=None, data={"account_id": account.id})


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation_context() -> dict:
        return {
            "nav_items": nav_items,
            "account_switcher": account_switcher,
            "can": can,
            "Permission": Permission,
        }
